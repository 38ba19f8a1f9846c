import type { Config } from "../config.js";
import type { WebhookSource } from "./define-webhook-source.js";
import { createPostHogSource } from "./posthog-source.js";
import type { ProjectSources } from "./project-sources.js";
import { createSegmentSource, type SegmentCall } from "./segment-source.js";
import { createStripeSource } from "./stripe-source.js";

/** The built-in sources from the env contract, then the project's own (their ids are checked not to clash). */
export function buildSources(
  config: Pick<Config, "env" | "sources">,
  project: ProjectSources | undefined,
): { sources: WebhookSource[]; segment: Record<SegmentCall, WebhookSource> } {
  const production = config.env === "production";
  const s = config.sources;
  const segment = (call: SegmentCall) =>
    createSegmentSource({ writeKey: s.segmentWriteKey, production, call });
  return {
    sources: [
      createPostHogSource({ secret: s.posthogWebhookSecret, production, options: project?.posthog }),
      createStripeSource({
        webhookSecret: s.stripeWebhookSecret,
        secretKey: s.stripeSecretKey,
        apiBase: s.stripeApiBase,
        production,
        options: project?.stripe,
      }),
      ...(project?.custom ?? []),
    ],
    segment: { track: segment("track"), identify: segment("identify"), batch: segment("batch") },
  };
}
