import { Hono } from "hono";
import { enqueueEmail, sendEmailInputSchema } from "../email/send-email.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";
import { parseBody } from "./parse-body.js";
import { readJsonBody } from "./read-json-body.js";
import { requireApiKey } from "./require-api-key.js";

/**
 * `POST /v1/send` (ingest or admin key): queues one transactional email through the outbox.
 * Body: `{ to, userId?, template, subject, props?, from?, idempotencyKey? }` (or an `Idempotency-Key` header).
 * 202 `{ messageId, status }`; the same idempotency key again answers 200 with the first message.
 */
export function createEmailSendRoutes({ db, authenticate }: RouteContext): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.post("/v1/send", requireApiKey(authenticate, ["ingest", "admin"]), async (c) => {
    const body = await readJsonBody(c);
    const headerKey = c.req.header("idempotency-key");
    const input = parseBody(
      sendEmailInputSchema,
      headerKey && typeof body === "object" && body !== null ? { idempotencyKey: headerKey, ...body } : body,
    );
    const existing = input.idempotencyKey
      ? await db.query("SELECT 1 FROM messages WHERE idempotency_key = $1", [input.idempotencyKey])
      : undefined;
    const result = await enqueueEmail(db, input);
    return c.json(result, existing && existing.rows.length > 0 ? 200 : 202);
  });
  return routes;
}
