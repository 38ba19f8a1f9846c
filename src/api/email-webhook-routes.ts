import { Hono } from "hono";
import type { Config } from "../config.js";
import { receiveWebhook } from "../email/webhooks/receive-webhook.js";
import { resendHeadersCanVerify } from "../email/webhooks/resend-signature-headers.js";
import { verifyPostmarkAuth, verifyResendSignature } from "../email/webhooks/verify-webhook.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";

export interface EmailWebhookOptions {
  email: Pick<Config["email"], "resend" | "postmark" | "softBounce">;
}

/**
 * `POST /v1/webhooks/resend` (Svix-signed) and `POST /v1/webhooks/postmark` (basic auth or secret header).
 * Authentication comes first and a failure is a 401 with no effect. Each delivery is processed once: its id is
 * written to webhook_receipts in the same transaction as its effects, so a retry of a delivery that committed is
 * acknowledged as a duplicate, and one that did not commit is processed as if new. A verified delivery whose
 * payload cannot be used is answered 200 `{ status: "rejected", reason }` and recorded (see receiveWebhook).
 */
export function emailWebhookRoutes(options: EmailWebhookOptions) {
  return ({ db }: RouteContext): Hono<ApiEnv> => {
    const routes = new Hono<ApiEnv>();

    routes.post("/v1/webhooks/resend", async (c) => {
      const svixId = c.req.header("svix-id");
      const svix = {
        id: svixId,
        timestamp: c.req.header("svix-timestamp"),
        signature: c.req.header("svix-signature"),
      };
      const secret = options.email.resend.webhookSecret;
      // Before the body: an unsigned or stale delivery must not get to make us buffer a megabyte.
      if (!resendHeadersCanVerify(secret, svix, Date.now())) {
        throw unauthorized("Missing or invalid Svix signature");
      }
      const raw = await c.req.text();
      const verified = verifyResendSignature(secret, raw, svix);
      if (!verified || !svixId) throw unauthorized("Missing or invalid Svix signature");
      const result = await receiveWebhook(db, {
        provider: "resend",
        deliveryId: svixId,
        raw,
        softBounce: options.email.softBounce,
      });
      return c.json(result, 200);
    });

    routes.post("/v1/webhooks/postmark", async (c) => {
      const authorized = verifyPostmarkAuth(
        {
          user: options.email.postmark.webhookUser,
          pass: options.email.postmark.webhookPass,
          secret: options.email.postmark.webhookSecret,
        },
        {
          authorization: c.req.header("authorization"),
          secretHeader: c.req.header("x-hogsend-webhook-secret"),
        },
      );
      if (!authorized) throw unauthorized("Missing or invalid webhook credentials");
      const result = await receiveWebhook(db, {
        provider: "postmark",
        raw: await c.req.text(),
        softBounce: options.email.softBounce,
      });
      return c.json(result, 200);
    });

    return routes;
  };
}

function unauthorized(message: string): HogsendError {
  return new HogsendError(ErrorCodes.UNAUTHORIZED, message);
}
