import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ApiEnv } from "../../src/api/api-env.js";
import { createApi, type RouteContext, type RouteGroup } from "../../src/api/create-api.js";
import { createRouter } from "../../src/api/openapi-router.js";
import { requireApiKey } from "../../src/api/require-api-key.js";
import type { Database } from "../../src/db/database.js";
import { createLogger } from "../../src/lib/logger.js";
import { exampleTemplates } from "./example-templates.js";

export const POLICY_ADMIN_KEY = "test-admin-bootstrap-key-email-policy-0123";

/**
 * An API with only the given route groups (and admin groups, under `/v1/admin` with its auth), so email-policy
 * tests do not depend on other groups' wiring.
 */
export function createPolicyApi(
  db: Database,
  routes: ReadonlyArray<(deps: RouteContext) => RouteGroup>,
  adminRoutes: ReadonlyArray<(deps: RouteContext) => RouteGroup> = [],
): OpenAPIHono<ApiEnv> {
  return createApi({
    db,
    logger: createLogger({ level: "silent", pretty: false }),
    maxBodyBytes: 1_048_576,
    bootstrapApiKey: POLICY_ADMIN_KEY,
    version: "test",
    templates: exampleTemplates,
    routes,
    admin: (context) => {
      const admin = createRouter();
      admin.use("*", requireApiKey(context.authenticate, ["admin"]));
      for (const build of adminRoutes) admin.route("/", build(context));
      return admin;
    },
  });
}

/** Inserts a sent message and its contact; returns the message id. */
export async function insertSentMessage(
  db: Database,
  input: {
    userId: string;
    email: string;
    providerMessageId?: string;
    template?: string;
    category?: string | null;
  },
): Promise<string> {
  await db.query(
    `INSERT INTO contacts (user_id, email) VALUES ($1, $2)
     ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email`,
    [input.userId, input.email],
  );
  const result = await db.query<{ id: string }>(
    `INSERT INTO messages (user_id, to_email, template, subject, category, status, provider_message_id, sent_at)
     VALUES ($1, $2, $3, 'Subject', $4, 'sent', $5, now()) RETURNING id`,
    [
      input.userId,
      input.email,
      input.template ?? "activation/welcome",
      input.category === undefined ? "marketing" : input.category,
      input.providerMessageId ?? null,
    ],
  );
  return result.rows[0]!.id;
}
