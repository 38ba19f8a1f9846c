import { createRoute, z } from "@hono/zod-openapi";
import { ErrorCodes, HogsendError } from "../errors.js";
import { boundedInt, safeText } from "../lib/input-guard/index.js";
import { getReceipt, listReceipts } from "../sources/source-receipt-store.js";
import type { RouteContext } from "./create-api.js";
import {
  API_KEY_SECURITY,
  createRouter,
  cursorParam,
  dataOf,
  errors,
  json,
  pageOf,
} from "./openapi-router.js";

const ReceiptSchema = z
  .object({
    id: z.number().int(),
    source: z.string(),
    deliveryId: z.string(),
    status: z.enum(["processed", "ignored", "rejected", "unresolved"]),
    reason: z.string().nullable(),
    eventCount: z.number().int(),
    lookupEmail: z.string().nullable(),
    lookupAlias: z.string().nullable(),
    receivedAt: z.string(),
    resolvedAt: z.string().nullable(),
  })
  .openapi("SourceReceipt");

const ReceiptWithBodySchema = ReceiptSchema.extend({ rawBody: z.string() }).openapi("SourceReceiptWithBody");

const listRoute = createRoute({
  method: "get",
  path: "/sources/receipts",
  tags: ["Sources"],
  summary: "Inbound deliveries with their outcome, newest first",
  security: API_KEY_SECURITY,
  request: {
    query: z.strictObject({
      source: safeText(64).optional(),
      status: z.enum(["processed", "ignored", "rejected", "unresolved"]).optional(),
      cursor: cursorParam,
      limit: boundedInt(1, 1000).default(100),
    }),
  },
  responses: { 200: json(pageOf(ReceiptSchema), "A page of receipts"), ...errors(400, 401, 403) },
});

const getRoute = createRoute({
  method: "get",
  path: "/sources/receipts/{id}",
  tags: ["Sources"],
  summary: "One receipt with the raw body as received",
  security: API_KEY_SECURITY,
  request: {
    params: z.strictObject({
      id: boundedInt(1, Number.MAX_SAFE_INTEGER).openapi({ param: { name: "id", in: "path" } }),
    }),
  },
  responses: { 200: json(dataOf(ReceiptWithBodySchema), "The receipt"), ...errors(400, 401, 403, 404) },
});

const serialise = <T extends { receivedAt: Date; resolvedAt: Date | null }>(r: T) => ({
  ...r,
  receivedAt: r.receivedAt.toISOString(),
  resolvedAt: r.resolvedAt?.toISOString() ?? null,
});

/** Source receipts (inbound webhooks), for an operator to see what came in and what became of it. */
export function createSourceAdminRoutes({ db }: RouteContext) {
  return createRouter()
    .openapi(listRoute, async (c) => {
      const page = await listReceipts(db, c.req.valid("query"));
      return c.json({ data: page.receipts.map(serialise), nextCursor: page.nextCursor }, 200);
    })
    .openapi(getRoute, async (c) => {
      const { id } = c.req.valid("param");
      const receipt = await getReceipt(db, id);
      if (!receipt) throw new HogsendError(ErrorCodes.NOT_FOUND, `No source receipt ${id}`);
      return c.json({ data: { ...serialise(receipt), rawBody: receipt.rawBody ?? "" } }, 200);
    });
}
