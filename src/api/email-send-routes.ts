import { Hono } from "hono";
import { enqueueEmail, sendEmailInputSchema } from "../email/send-email.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";
import { parseBody } from "./parse-body.js";
import { readJsonBody } from "./read-json-body.js";
import { requireApiKey } from "./require-api-key.js";

/**
 * `POST /v1/send` (ingest or admin key): queues one transactional email through the outbox.
 * Body: `{ to, userId?, template, subject?, props?, from?, idempotencyKey? }` (or an `Idempotency-Key` header).
 * 202 `{ messageId, status }` from the request that queued the email; the same key with the same request again (at
 * once or later) answers 200 with that message, and with a different request 422 IDEMPOTENCY_KEY_REUSED.
 */
export function createEmailSendRoutes({ db, authenticate, templates }: RouteContext): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.post("/v1/send", requireApiKey(authenticate, ["ingest", "admin"]), async (c) => {
    const body = await readJsonBody(c);
    const headerKey = c.req.header("idempotency-key");
    const input = parseBody(
      sendEmailInputSchema,
      headerKey && typeof body === "object" && body !== null ? { idempotencyKey: headerKey, ...body } : body,
    );
    const { created, ...message } = await enqueueEmail(db, templates, input);
    return c.json(message, created ? 202 : 200);
  });
  return routes;
}
