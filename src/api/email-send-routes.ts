import { createRoute, z } from "@hono/zod-openapi";
import { MESSAGE_STATUSES } from "../email/outbox/message-store.js";
import { enqueueEmail, sendEmailInputSchema } from "../email/send-email.js";
import { safeText } from "../lib/input-guard/index.js";
import type { RouteContext } from "./create-api.js";
import { API_KEY_SECURITY, createRouter, errors, json, jsonBody } from "./openapi-router.js";
import { requireApiKey } from "./require-api-key.js";

// The input guard's object check is a custom schema; say what it is for the document. (`.meta`, not `.openapi`:
// the schema is built before `@hono/zod-openapi` may have extended zod, so it may lack that method.) Strict: a
// field this route does not take (a journey's `sendWindow`, a typo) is refused, not silently dropped.
const sendBody = sendEmailInputSchema
  .extend({
    props: sendEmailInputSchema.shape.props.meta({
      type: "object",
      additionalProperties: true,
      description: "The template's props, checked against the template's own schema",
    }),
  })
  .strict();

const QueuedSchema = z
  .object({ messageId: z.string(), status: z.enum(MESSAGE_STATUSES), reason: z.string().optional() })
  .openapi("QueuedEmail");

/**
 * `POST /v1/send` (ingest or admin key): queues one transactional email through the outbox (`subject` may be left
 * out when the template declares one). 202 from the request
 * that queued the email; the same idempotency key with the same request again (at once or later) answers 200
 * with that message, and with a different request 422 IDEMPOTENCY_KEY_REUSED.
 */
export function createEmailSendRoutes({ db, authenticate, templates }: RouteContext) {
  const route = createRoute({
    method: "post",
    path: "/v1/send",
    tags: ["Email"],
    summary: "Send one transactional email",
    security: API_KEY_SECURITY,
    middleware: [requireApiKey(authenticate, ["ingest", "admin"]), jsonBody] as const,
    request: {
      headers: z.object({
        "idempotency-key": safeText(200)
          .optional()
          .openapi({ description: "Same as the body's `idempotencyKey`; the body wins when both are given" }),
      }),
      body: { required: true, content: { "application/json": { schema: sendBody } } },
    },
    responses: {
      200: json(QueuedSchema, "A retry with the same idempotency key: the message it queued"),
      202: json(QueuedSchema, "Queued"),
      ...errors(400, 401, 403, 404, 413, 415, 422),
    },
  });
  return createRouter().openapi(route, async (c) => {
    const input = c.req.valid("json");
    const idempotencyKey = input.idempotencyKey ?? c.req.valid("header")["idempotency-key"];
    const { created, ...message } = await enqueueEmail(db, templates, {
      ...input,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
    return created ? c.json(message, 202) : c.json(message, 200);
  });
}
