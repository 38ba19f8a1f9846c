import { IncomingMessage, ServerResponse } from "node:http";
import type { Http2Bindings, HttpBindings } from "@hono/node-server";

type Bindings = HttpBindings | Http2Bindings;

/**
 * Wraps the api's fetch for @hono/node-server so that a response written before its request body arrived (a 401,
 * 404, 413 or 415, a bad link) says `Connection: close`.
 *
 * Without it the response says `keep-alive`, and @hono/node-server then tries to drain the unread body for 500 ms
 * and destroys the socket when it cannot: a client that sent its next request on the kept-alive connection in
 * that window lost it. Reading the rest instead would mean accepting megabytes from a client that was just
 * refused, which is what answering early avoids; closing makes the client open a new connection for its next
 * request, one handshake on an error path.
 */
export function closeConnectionsWithUnreadBodies(
  fetch: (request: Request, env: Bindings) => Response | Promise<Response>,
): (request: Request, env: Bindings) => Promise<Response> {
  return async (request, env) => {
    const response = await fetch(request, env);
    const { incoming, outgoing } = env;
    if (incoming instanceof IncomingMessage && outgoing instanceof ServerResponse && bodyUnread(incoming)) {
      outgoing.setHeader("Connection", "close");
    }
    return response;
  };
}

function bodyUnread(incoming: IncomingMessage): boolean {
  // `complete` turns true once the parser has seen the whole message, read by the route or not: a short body
  // already in the socket's buffer is drained at once and the connection stays usable.
  if (incoming.complete) return false;
  const length = incoming.headers["content-length"];
  return incoming.headers["transfer-encoding"] !== undefined || (length !== undefined && Number(length) > 0);
}
