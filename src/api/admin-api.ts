import { createAdminMessageRoutes } from "./admin-message-routes.js";
import { createAdminTemplateRoutes } from "./admin-template-routes.js";
import { createAlertRoutes } from "./alert-routes.js";
import { createApiKeyRoutes } from "./api-key-routes.js";
import { createAuditLogRoutes } from "./audit-log-routes.js";
import { createBroadcastRoutes } from "./broadcast-routes.js";
import { createContactPreferenceRoutes } from "./contact-preference-routes.js";
import { createContactRoutes } from "./contact-routes.js";
import type { RouteContext } from "./create-api.js";
import { createEventRoutes } from "./event-routes.js";
import { createJourneyAdminRoutes, type JourneyAdminOptions } from "./journey-admin-routes.js";
import { createJourneyLiftRoutes } from "./journey-lift-routes.js";
import { createRouter } from "./openapi-router.js";
import { requireAdminPrincipal } from "./require-admin-principal.js";
import { createSourceAdminRoutes } from "./source-admin-routes.js";
import { createStudioOverviewRoutes } from "./studio-overview-routes.js";
import { createSuppressionImportRoutes } from "./suppression-import-routes.js";
import { createSuppressionRoutes } from "./suppression-routes.js";
import { createSyncAdminRoutes } from "./sync-admin-routes.js";

export type AdminApiOptions = JourneyAdminOptions;

/**
 * The admin API: one sub-app, mounted at `/v1/admin`, authenticated once for all of its routes (an `admin` key or a Studio session; viewers read only).
 * Its type is the typed client's (`hogsend/client`), so the routes are chained for their types to add up.
 */
export function createAdminApi(context: RouteContext, options: AdminApiOptions) {
  const admin = createRouter();
  admin.use("*", requireAdminPrincipal(context));
  return admin
    .route("/", createContactRoutes(context))
    .route("/", createEventRoutes(context))
    .route("/", createJourneyAdminRoutes(context, options))
    .route("/", createJourneyLiftRoutes(context, options))
    .route("/", createAdminMessageRoutes(context))
    .route("/", createAdminTemplateRoutes(context))
    .route("/", createSuppressionRoutes(context))
    .route("/", createApiKeyRoutes(context))
    .route("/", createAuditLogRoutes(context))
    .route("/", createAlertRoutes(context, options))
    .route("/", createSourceAdminRoutes(context))
    .route("/", createSyncAdminRoutes(context, { clock: options.clock }))
    .route("/", createStudioOverviewRoutes(context, { clock: options.clock }))
    .route("/", createContactPreferenceRoutes(context, { clock: options.clock }))
    .route("/", createSuppressionImportRoutes(context))
    .route("/", createBroadcastRoutes(context, { clock: options.clock }));
}

/** The admin API's route types, for `hc<AdminApi>(…)` from `hono/client`. */
export type AdminApi = ReturnType<typeof createAdminApi>;
