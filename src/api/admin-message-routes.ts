import { Hono } from "hono";
import { z } from "zod";
import { getMessage, listCapturedEmails, listMessages } from "../email/outbox/message-query.js";
import { MESSAGE_STATUSES } from "../email/outbox/message-store.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { boundedInt, isUuid, safeText } from "../lib/input-guard/index.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";
import { parseParams, parseQuery } from "./parse-body.js";
import { requireApiKey } from "./require-api-key.js";

const listQuery = z.object({
  userId: safeText(200).optional(),
  email: safeText(320).optional(),
  template: safeText(200).optional(),
  status: z.enum(MESSAGE_STATUSES).optional(),
  cursor: safeText(200, { min: 0 }).optional(),
  limit: boundedInt(1, 200).default(50),
});

const mailboxQuery = z.object({
  to: safeText(320).optional(),
  before: boundedInt(1, Number.MAX_SAFE_INTEGER).optional(),
  limit: boundedInt(1, 200).default(50),
});

const idParam = z.object({ id: safeText(200) });

/**
 * Admin view of the outbox (admin key):
 * `GET /v1/admin/messages?userId=&email=&template=&status=&cursor=&limit=` (newest first, with events),
 * `GET /v1/admin/messages/:id` (with the HTML, text and headers as sent),
 * `GET /v1/admin/mailbox?to=&before=&limit=` (what the capture provider stored).
 */
export function createAdminMessageRoutes({ db, authenticate }: RouteContext): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  const admin = requireApiKey(authenticate, ["admin"]);
  routes.use("/v1/admin/messages", admin);
  routes.use("/v1/admin/messages/*", admin);
  routes.use("/v1/admin/mailbox", admin);

  routes.get("/v1/admin/messages", async (c) => {
    const query = parseQuery(listQuery, c);
    return c.json(await listMessages(db, query));
  });

  routes.get("/v1/admin/messages/:id", async (c) => {
    const { id } = parseParams(idParam, c);
    // An id that is not a UUID names no message; Postgres would refuse to compare it with a uuid column.
    const message = isUuid(id) ? await getMessage(db, id) : undefined;
    if (!message) throw new HogsendError(ErrorCodes.NOT_FOUND, `No message ${id}`);
    return c.json(message);
  });

  routes.get("/v1/admin/mailbox", async (c) => {
    const query = parseQuery(mailboxQuery, c);
    const data = await listCapturedEmails(db, { to: query.to, beforeId: query.before, limit: query.limit });
    return c.json({ data, nextBefore: data.length === query.limit ? (data.at(-1)?.id ?? null) : null });
  });
  return routes;
}
