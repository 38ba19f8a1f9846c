import { Hono } from "hono";
import { z } from "zod";
import { API_KEY_SCOPES, createApiKey, listApiKeys, revokeApiKey } from "../auth/api-key-store.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { isUuid, safeText } from "../lib/input-guard/index.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";
import { parseBody, parseParams } from "./parse-body.js";
import { readJsonBody } from "./read-json-body.js";
import { requireApiKey } from "./require-api-key.js";

const createKeyBody = z.strictObject({
  name: z.string().trim().pipe(safeText(200)),
  scope: z.enum(API_KEY_SCOPES).default("ingest"),
});

const idParam = z.object({ id: safeText(200) });

/** Admin management of API keys, mirroring `hogsend keys create|list|revoke`. */
export function createApiKeyRoutes({ db, authenticate }: RouteContext): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.use("/v1/admin/api-keys", requireApiKey(authenticate, ["admin"]));
  routes.use("/v1/admin/api-keys/*", requireApiKey(authenticate, ["admin"]));
  routes.get("/v1/admin/api-keys", async (c) => c.json({ data: await listApiKeys(db) }));
  routes.post("/v1/admin/api-keys", async (c) => {
    const input = parseBody(createKeyBody, await readJsonBody(c));
    const { key, record } = await createApiKey(db, input);
    return c.json({ key, ...record }, 201);
  });
  routes.delete("/v1/admin/api-keys/:id", async (c) => {
    const { id } = parseParams(idParam, c);
    if (!isUuid(id)) throw new HogsendError(ErrorCodes.NOT_FOUND, "No such API key");
    if ((await revokeApiKey(db, id)) === 0) throw new HogsendError(ErrorCodes.NOT_FOUND, "No such API key");
    // At once here, before the answer; other processes drop it when the revocation's notification reaches them.
    authenticate.forget(id.toLowerCase());
    return c.json({ revoked: true });
  });
  return routes;
}
