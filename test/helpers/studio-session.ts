/** A tiny cookie-jar client for Studio's HTTP API in tests: signs in over real HTTP and replays the cookie. */
export interface StudioHttp {
  readonly base: string;
  readonly origin: string;
  /** fetch with the jar's cookie (if any) and, unless told otherwise, the trusted Origin. */
  request(path: string, init?: RequestInit & { origin?: string | null; ip?: string }): Promise<Response>;
  signIn(email: string, password: string, ip?: string): Promise<Response>;
  cookie: string | undefined;
}

export function studioHttp(base: string, origin: string): StudioHttp {
  const client: StudioHttp = {
    base,
    origin,
    cookie: undefined,
    async request(path, init = {}) {
      const headers = new Headers(init.headers);
      if (client.cookie) headers.set("cookie", client.cookie);
      if (init.origin !== null) headers.set("origin", init.origin ?? origin);
      if (init.ip) headers.set("x-forwarded-for", `203.0.113.99, ${init.ip}`);
      if (init.body !== undefined && !headers.has("content-type"))
        headers.set("content-type", "application/json");
      return fetch(`${base}${path}`, { ...init, headers });
    },
    async signIn(email, password, ip) {
      const res = await client.request("/v1/auth/sign-in/email", {
        method: "POST",
        body: JSON.stringify({ email, password }),
        ...(ip ? { ip } : {}),
      });
      const token = res.headers.getSetCookie().find((c) => c.startsWith("hogsend.session_token="));
      if (res.ok && token) client.cookie = token.split(";")[0];
      return res;
    },
  };
  return client;
}
