import { Hono } from "hono";
import { z } from "zod";
import { getMessage, listCapturedEmails, listMessages } from "../email/outbox/message-query.js";
import { MESSAGE_STATUSES } from "../email/outbox/message-store.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";
import { parseBody } from "./parse-body.js";
import { requireApiKey } from "./require-api-key.js";

const listQuery = z.object({
  userId: z.string().min(1).max(200).optional(),
  email: z.string().min(1).max(320).optional(),
  template: z.string().min(1).max(200).optional(),
  status: z.enum(MESSAGE_STATUSES).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const mailboxQuery = z.object({
  to: z.string().min(1).max(320).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

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
    const query = parseBody(listQuery, c.req.query());
    return c.json(await listMessages(db, query));
  });

  routes.get("/v1/admin/messages/:id", async (c) => {
    const message = await getMessage(db, c.req.param("id"));
    if (!message) throw new HogsendError(ErrorCodes.NOT_FOUND, `No message ${c.req.param("id")}`);
    return c.json(message);
  });

  routes.get("/v1/admin/mailbox", async (c) => {
    const query = parseBody(mailboxQuery, c.req.query());
    const data = await listCapturedEmails(db, { to: query.to, beforeId: query.before, limit: query.limit });
    return c.json({ data, nextBefore: data.length === query.limit ? (data.at(-1)?.id ?? null) : null });
  });
  return routes;
}
