import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError } from "./api";

// Better Auth's own endpoints (`/v1/auth/*`): sign-in and the session are not admin data, so they are plain
// same-origin fetches; everything else goes through the typed admin client.

export type Role = "admin" | "viewer";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

async function authFetch(path: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(`/v1/auth${path}`, {
      credentials: "include",
      ...init,
      headers: { "content-type": "application/json", ...init?.headers },
    });
  } catch (error) {
    throw new ApiError(0, "NETWORK", `The server could not be reached (${(error as Error).message})`);
  }
}

export async function getSession(): Promise<SessionUser | null> {
  const res = await authFetch("/get-session", { method: "GET", headers: {} });
  if (res.status === 401 || res.status === 404) return null;
  if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, "Could not read the session");
  const body = (await res.json()) as { user?: Partial<SessionUser> & { id: string; email: string } } | null;
  if (!body?.user) return null;
  const role: Role = body.user.role === "admin" ? "admin" : "viewer";
  return { id: body.user.id, email: body.user.email, name: body.user.name ?? body.user.email, role };
}

export async function signIn(email: string, password: string): Promise<void> {
  const res = await authFetch("/sign-in/email", {
    method: "POST",
    body: JSON.stringify({ email, password }),
  });
  if (res.ok) return;
  let message = res.status === 429 ? "Too many attempts; wait a minute and try again" : "Sign-in failed";
  try {
    const body = (await res.json()) as { message?: string; error?: { message?: string } };
    message = body.message ?? body.error?.message ?? message;
  } catch {
    // keep the generic message
  }
  throw new ApiError(res.status, `HTTP_${res.status}`, message);
}

export async function signOut(): Promise<void> {
  await authFetch("/sign-out", { method: "POST", body: "{}" });
}

/** Better Auth admin plugin endpoints (users and roles), for Settings. */
export async function authAdmin<T>(path: string, body?: unknown, query?: Record<string, string>): Promise<T> {
  const qs = query ? `?${new URLSearchParams(query).toString()}` : "";
  const res = await authFetch(
    `/admin${path}${qs}`,
    body === undefined ? { method: "GET", headers: {} } : { method: "POST", body: JSON.stringify(body) },
  );
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      const answer = (await res.json()) as { message?: string; error?: { message?: string } };
      message = answer.message ?? answer.error?.message ?? message;
    } catch {
      // keep the status
    }
    throw new ApiError(res.status, `HTTP_${res.status}`, message);
  }
  return (await res.json()) as T;
}

export const SESSION_KEY = ["session"] as const;

export function useSession() {
  return useQuery({ queryKey: SESSION_KEY, queryFn: getSession, staleTime: 60_000, retry: false });
}

/** True when the signed-in user may change things (an admin); a viewer sees no mutating control. */
export function useCanMutate(): boolean {
  const { data } = useSession();
  return data?.role === "admin";
}

export function useRefreshSession() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: SESSION_KEY });
}
