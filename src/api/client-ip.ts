import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

/**
 * The client's address: from `trustedProxyHeader` when one is configured (the proxy in front sets it), else the
 * socket's peer. For a list header (x-forwarded-for) the last address is taken, the one the trusted proxy itself
 * appended; anything before it came from the client and proves nothing. Undefined when neither is known (a request
 * handed to the app in-process).
 */
export function clientIp(c: Context, trustedProxyHeader: string | undefined): string | undefined {
  if (trustedProxyHeader !== undefined) {
    const value = c.req.header(trustedProxyHeader);
    const last = value?.split(",").at(-1)?.trim();
    return last && /^[0-9A-Fa-f.:]{2,45}$/.test(last) ? last : undefined;
  }
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? undefined;
}
