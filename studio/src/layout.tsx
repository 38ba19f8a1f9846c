import { useQueryClient } from "@tanstack/react-query";
import { Link, Outlet, useNavigate } from "@tanstack/react-router";
import {
  Activity,
  Ban,
  Bell,
  FileText,
  Gauge,
  History,
  Inbox,
  LogOut,
  Mail,
  Megaphone,
  Route as RouteIcon,
  Settings,
  Users,
} from "lucide-react";
import { useAlerts } from "./lib/alert-queries";
import { signOut, useSession } from "./lib/auth";
import { Badge } from "./ui/card";

const NAV = [
  { to: "/", label: "Overview", icon: Gauge },
  { to: "/journeys", label: "Journeys", icon: RouteIcon },
  { to: "/contacts", label: "Contacts", icon: Users },
  { to: "/messages", label: "Messages", icon: Mail },
  { to: "/broadcasts", label: "Broadcasts", icon: Megaphone },
  { to: "/templates", label: "Templates", icon: FileText },
  { to: "/events", label: "Events", icon: Activity },
  { to: "/suppressions", label: "Suppressions", icon: Ban },
  { to: "/alerts", label: "Alerts", icon: Bell },
  { to: "/inbox", label: "Dev inbox", icon: Inbox },
  { to: "/audit", label: "Audit log", icon: History },
  { to: "/settings", label: "Settings", icon: Settings },
] as const;

export function Layout() {
  const session = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const firing = useAlerts().data?.data.alerts.filter((a) => a.status === "firing") ?? [];
  return (
    <div className="flex min-h-full">
      <aside className="sticky top-0 flex h-screen w-56 shrink-0 flex-col border-r border-zinc-200 bg-white">
        <div className="flex items-center gap-2 px-4 py-4">
          <div className="grid size-7 place-items-center rounded-md bg-brand-500 text-sm font-bold text-white">
            h
          </div>
          <div className="text-sm font-semibold">Hogsend Studio</div>
        </div>
        <nav className="flex flex-1 flex-col gap-0.5 px-2" aria-label="Main">
          {NAV.map(({ to, label, icon: Icon }) => (
            <Link
              key={to}
              to={to}
              activeOptions={{ exact: to === "/", includeSearch: false }}
              className="flex items-center gap-2.5 rounded-md px-2.5 py-1.5 text-sm text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 data-[status=active]:bg-brand-50 data-[status=active]:font-medium data-[status=active]:text-brand-700"
            >
              <Icon className="size-4" aria-hidden />
              {label}
              {to === "/alerts" && firing.length > 0 ? (
                <span
                  data-testid="alerts-firing-count"
                  title={`${firing.length} alert(s) firing`}
                  className={`ml-auto rounded-full px-1.5 text-xs font-semibold text-white tabular-nums ${firing.some((a) => a.severity === "critical") ? "bg-red-600" : "bg-amber-500"}`}
                >
                  {firing.length}
                </span>
              ) : null}
            </Link>
          ))}
        </nav>
        <div className="border-t border-zinc-200 px-3 py-3 text-xs">
          <div className="truncate font-medium text-zinc-800" data-testid="signed-in-as">
            {session.data?.email}
          </div>
          <div className="mt-1 flex items-center justify-between">
            <Badge tone={session.data?.role === "admin" ? "info" : "neutral"}>
              {session.data?.role ?? "…"}
            </Badge>
            <button
              type="button"
              className="flex items-center gap-1 text-zinc-500 hover:text-zinc-900"
              onClick={async () => {
                await signOut();
                queryClient.clear();
                await navigate({ to: "/sign-in", search: {} });
              }}
            >
              <LogOut className="size-3.5" /> Sign out
            </button>
          </div>
        </div>
      </aside>
      <main className="min-w-0 flex-1 px-8 py-6">
        <Outlet />
      </main>
    </div>
  );
}
