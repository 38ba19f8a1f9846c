import { createRoute, z } from "@hono/zod-openapi";
import type { Config } from "../config.js";
import { receiveWebhook } from "../email/webhooks/receive-webhook.js";
import { resendHeadersCanVerify } from "../email/webhooks/resend-signature-headers.js";
import { verifyPostmarkAuth, verifyResendSignature } from "../email/webhooks/verify-webhook.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { RouteContext } from "./create-api.js";
import { createRouter, errors, json } from "./openapi-router.js";

export interface EmailWebhookOptions {
  email: Pick<Config["email"], "resend" | "postmark" | "softBounce">;
}

const WebhookAnswerSchema = z
  .object({
    status: z.enum(["processed", "duplicate", "ignored", "rejected"]),
    reason: z.string().optional().openapi({ description: "Why a verified delivery could not be used" }),
    suppressed: z.array(z.string()).optional().openapi({ description: "Addresses this delivery suppressed" }),
  })
  .openapi("WebhookAnswer");

// The payload is the provider's; it is read raw (the signature covers the bytes) and checked by the product, so
// it is described here and not validated by a schema: a verified but unusable payload is a 200 "rejected".
const payload = (description: string) => ({
  description,
  content: { "application/json": { schema: { type: "object" as const, additionalProperties: true } } },
});

const answers = {
  200: json(WebhookAnswerSchema, "Processed, a duplicate delivery, ignored, or rejected (kept, not retried)"),
  ...errors(401, 413),
};

const resendRoute = createRoute({
  method: "post",
  path: "/v1/webhooks/resend",
  tags: ["Webhooks"],
  summary: "Resend events (bounces, complaints, deliveries)",
  description:
    "Authenticated by its Svix signature (`svix-id`, `svix-timestamp`, `svix-signature` over the raw body, with " +
    "RESEND_WEBHOOK_SECRET); the headers are checked before the body is read.",
  security: [{ svixSignature: [] }],
  request: {
    headers: z.object({
      "svix-id": z.string().optional(),
      "svix-timestamp": z.string().optional(),
      "svix-signature": z.string().optional(),
    }),
    body: payload("A Resend webhook event"),
  },
  responses: answers,
});

const postmarkRoute = createRoute({
  method: "post",
  path: "/v1/webhooks/postmark",
  tags: ["Webhooks"],
  summary: "Postmark events (bounces, spam complaints, deliveries)",
  description:
    "Authenticated by HTTP basic auth (POSTMARK_WEBHOOK_USER / POSTMARK_WEBHOOK_PASS) or the " +
    "`X-Hogsend-Webhook-Secret` header (POSTMARK_WEBHOOK_SECRET).",
  security: [{ postmarkBasic: [] }, { webhookSecret: [] }],
  request: { body: payload("A Postmark webhook event") },
  responses: answers,
});

/**
 * Provider webhooks. Authentication comes first and a failure is a 401 with no effect. Each delivery is processed
 * once: its id is written to webhook_receipts in the same transaction as its effects (see receiveWebhook).
 */
export function createEmailWebhookRoutes({ db, metrics }: RouteContext, options: EmailWebhookOptions) {
  const count = (source: "resend" | "postmark", outcome: string) =>
    metrics?.email.webhookReceipts.inc({ source, outcome });
  return createRouter()
    .openapi(resendRoute, async (c) => {
      const svixId = c.req.header("svix-id");
      const svix = {
        id: svixId,
        timestamp: c.req.header("svix-timestamp"),
        signature: c.req.header("svix-signature"),
      };
      const secret = options.email.resend.webhookSecret;
      // Before the body: an unsigned or stale delivery must not get to make us buffer a megabyte.
      if (!resendHeadersCanVerify(secret, svix, Date.now())) {
        count("resend", "unauthorized");
        throw unauthorized("Missing or invalid Svix signature");
      }
      const raw = await c.req.text();
      const verified = verifyResendSignature(secret, raw, svix);
      if (!verified || !svixId) {
        count("resend", "unauthorized");
        throw unauthorized("Missing or invalid Svix signature");
      }
      const result = await receiveWebhook(db, {
        provider: "resend",
        deliveryId: svixId,
        raw,
        softBounce: options.email.softBounce,
      });
      count("resend", result.status);
      return c.json(result, 200);
    })
    .openapi(postmarkRoute, async (c) => {
      const authorized = verifyPostmarkAuth(
        {
          user: options.email.postmark.webhookUser,
          pass: options.email.postmark.webhookPass,
          secret: options.email.postmark.webhookSecret,
        },
        {
          authorization: c.req.header("authorization"),
          secretHeader: c.req.header("x-hogsend-webhook-secret"),
        },
      );
      if (!authorized) {
        count("postmark", "unauthorized");
        throw unauthorized("Missing or invalid webhook credentials");
      }
      const result = await receiveWebhook(db, {
        provider: "postmark",
        raw: await c.req.text(),
        softBounce: options.email.softBounce,
      });
      count("postmark", result.status);
      return c.json(result, 200);
    });
}

function unauthorized(message: string): HogsendError {
  return new HogsendError(ErrorCodes.UNAUTHORIZED, message);
}
