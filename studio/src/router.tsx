import type { QueryClient } from "@tanstack/react-query";
import { createRootRouteWithContext, createRoute, createRouter, redirect } from "@tanstack/react-router";
import { Layout } from "./layout";
import { getSession, SESSION_KEY } from "./lib/auth";
import { AlertsPage } from "./pages/alerts";
import { AuditPage } from "./pages/audit";
import { BroadcastPage } from "./pages/broadcast";
import { NewBroadcastPage } from "./pages/broadcast-new";
import { BroadcastsPage } from "./pages/broadcasts";
import { ContactPage } from "./pages/contact";
import { ContactsPage } from "./pages/contacts";
import { EventsPage } from "./pages/events";
import { InboxPage } from "./pages/inbox";
import { JourneyPage } from "./pages/journey";
import { JourneysPage } from "./pages/journeys";
import { MessagesPage } from "./pages/messages";
import { NotFound } from "./pages/not-found";
import { OverviewPage } from "./pages/overview";
import { RunPage } from "./pages/run";
import { SettingsPage } from "./pages/settings";
import { SignInPage } from "./pages/sign-in";
import { SuppressionsPage } from "./pages/suppressions";
import { TemplatesPage } from "./pages/templates";

const str = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : undefined;

/** Search params: every filter and open drawer is in the URL, so each view deep-links. */
function searchOf<K extends string>(...keys: K[]) {
  return (search: Record<string, unknown>): { [P in K]?: string | undefined } => {
    const out: { [P in K]?: string | undefined } = {};
    for (const key of keys) {
      const value = str(search[key]);
      if (value !== undefined) out[key] = value;
    }
    return out;
  };
}

const rootRoute = createRootRouteWithContext<{ queryClient: QueryClient }>()({ notFoundComponent: NotFound });

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/sign-in",
  validateSearch: searchOf("redirect"),
  component: SignInPage,
});

const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "app",
  component: Layout,
  beforeLoad: async ({ context, location }) => {
    const user = await context.queryClient.fetchQuery({
      queryKey: SESSION_KEY,
      queryFn: getSession,
      staleTime: 60_000,
    });
    if (!user) throw redirect({ to: "/sign-in", search: { redirect: location.href } });
    return { user };
  },
});

const at = <P extends string>(path: P) => ({ getParentRoute: () => appRoute, path });

export const overviewRoute = createRoute({ ...at("/"), component: OverviewPage });
export const journeysRoute = createRoute({ ...at("/journeys"), component: JourneysPage });
export const journeyRoute = createRoute({
  ...at("/journeys/$journeyId"),
  validateSearch: searchOf("status", "step", "run"),
  component: JourneyPage,
});
export const runRoute = createRoute({ ...at("/runs/$runId"), component: RunPage });
export const contactsRoute = createRoute({
  ...at("/contacts"),
  validateSearch: searchOf("q"),
  component: ContactsPage,
});
export const contactRoute = createRoute({
  ...at("/contacts/$userId"),
  validateSearch: searchOf("tab"),
  component: ContactPage,
});
export const messagesRoute = createRoute({
  ...at("/messages"),
  validateSearch: searchOf("status", "template", "journey", "to", "from", "until", "id"),
  component: MessagesPage,
});
export const templatesRoute = createRoute({
  ...at("/templates"),
  validateSearch: searchOf("key"),
  component: TemplatesPage,
});
export const eventsRoute = createRoute({
  ...at("/events"),
  validateSearch: searchOf("name", "userId", "tab"),
  component: EventsPage,
});
export const suppressionsRoute = createRoute({
  ...at("/suppressions"),
  validateSearch: searchOf("q"),
  component: SuppressionsPage,
});
export const broadcastsRoute = createRoute({
  ...at("/broadcasts"),
  validateSearch: searchOf("status"),
  component: BroadcastsPage,
});
export const newBroadcastRoute = createRoute({ ...at("/broadcasts/new"), component: NewBroadcastPage });
export const broadcastRoute = createRoute({ ...at("/broadcasts/$broadcastId"), component: BroadcastPage });
export const inboxRoute = createRoute({
  ...at("/inbox"),
  validateSearch: searchOf("id"),
  component: InboxPage,
});
export const alertsRoute = createRoute({ ...at("/alerts"), component: AlertsPage });
export const settingsRoute = createRoute({ ...at("/settings"), component: SettingsPage });
export const auditRoute = createRoute({
  ...at("/audit"),
  validateSearch: searchOf("action", "actor", "target"),
  component: AuditPage,
});

const routeTree = rootRoute.addChildren([
  signInRoute,
  appRoute.addChildren([
    overviewRoute,
    journeysRoute,
    journeyRoute,
    runRoute,
    contactsRoute,
    contactRoute,
    messagesRoute,
    broadcastsRoute,
    newBroadcastRoute,
    broadcastRoute,
    templatesRoute,
    eventsRoute,
    suppressionsRoute,
    inboxRoute,
    alertsRoute,
    settingsRoute,
    auditRoute,
  ]),
]);

export const router = createRouter({
  routeTree,
  basepath: "/studio",
  context: { queryClient: undefined as unknown as QueryClient },
  defaultPreload: "intent",
});

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
