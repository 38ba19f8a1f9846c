import type { HogsendMetrics } from "../../metrics/hogsend-metrics.js";
import type { EmailProvider } from "../providers/email-provider.js";

/**
 * The provider as delivery sees it, timed and counted: every call's duration by outcome
 * (`hogsend_email_provider_request_duration_seconds`) and every call that did not accept the message by kind
 * (`hogsend_email_provider_errors_total`: retryable, permanent, or threw). Two label sets per provider, no I/O.
 */
export function instrumentProvider(provider: EmailProvider, metrics: HogsendMetrics): EmailProvider {
  const { providerDuration, providerErrors } = metrics.email;
  const name = provider.name;
  return {
    name,
    async send(email) {
      const started = performance.now();
      let outcome = "threw";
      try {
        const result = await provider.send(email);
        outcome = result.ok ? "ok" : result.retryable ? "retryable" : "permanent";
        return result;
      } finally {
        providerDuration.observe({ provider: name, outcome }, (performance.now() - started) / 1000);
        if (outcome !== "ok") providerErrors.inc({ provider: name, kind: outcome });
      }
    },
    ...(provider.close ? { close: () => provider.close?.() ?? Promise.resolve() } : {}),
  };
}
