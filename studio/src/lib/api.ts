import { createAdminClient } from "hogsend/client";

/** The one admin client: same origin, the Studio session cookie, no API key. */
export const admin = createAdminClient(window.location.origin, { credentials: "include" });

/** An error answer of the API (`{ error: { code, message, details? } }`) or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

interface Answer {
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}

/** The JSON of a successful answer; an ApiError otherwise (so TanStack Query shows the page's error state). */
export async function unwrap<R extends Answer>(request: Promise<R>): Promise<Awaited<ReturnType<OkJson<R>>>> {
  let res: R;
  try {
    res = await request;
  } catch (error) {
    throw new ApiError(0, "NETWORK", `The server could not be reached (${(error as Error).message})`);
  }
  if (res.ok) return (await res.json()) as Awaited<ReturnType<OkJson<R>>>;
  let body: { error?: { code?: string; message?: string; details?: unknown } } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not JSON: keep the status
  }
  const code = body.error?.code ?? `HTTP_${res.status}`;
  const message =
    body.error?.message ??
    (res.status === 404 ? "This endpoint or resource does not exist on the server" : `HTTP ${res.status}`);
  throw new ApiError(res.status, code, message, body.error?.details);
}

// The answer's success variants only (the client types each status separately; errors throw above).
type OkJson<R> = R extends { ok: true; json(): infer J } ? () => J : never;
