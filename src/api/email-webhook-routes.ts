import { Hono } from "hono";
import type { Config } from "../config.js";
import type { Database } from "../db/database.js";
import type { EmailOutcome } from "../email/webhooks/email-outcome.js";
import { parsePostmarkWebhook } from "../email/webhooks/parse-postmark-webhook.js";
import { parseResendWebhook } from "../email/webhooks/parse-resend-webhook.js";
import { recordEmailOutcome } from "../email/webhooks/record-email-outcome.js";
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
 * acknowledged as a duplicate, and one that did not commit is processed as if new.
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
      const outcomes = parseResendWebhook(parseJson(raw));
      const result = await processOnce(db, "resend", svixId, outcomes, options);
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
      const parsed = parsePostmarkWebhook(parseJson(await c.req.text()));
      if (!parsed) {
        throw new HogsendError(ErrorCodes.VALIDATION_FAILED, "Not a Postmark webhook record (no RecordType)");
      }
      const outcomes = parsed.outcome ? [parsed.outcome] : [];
      const result = await processOnce(db, "postmark", parsed.deliveryId, outcomes, options);
      return c.json(result, 200);
    });

    return routes;
  };
}

async function processOnce(
  db: Database,
  provider: "resend" | "postmark",
  deliveryId: string,
  outcomes: EmailOutcome[],
  options: EmailWebhookOptions,
): Promise<{ status: "processed" | "duplicate" | "ignored"; suppressed?: string[] }> {
  return db.transaction(async (tx) => {
    const receipt = await tx.query(
      `INSERT INTO webhook_receipts (provider, delivery_id) VALUES ($1, $2)
       ON CONFLICT DO NOTHING`,
      [provider, deliveryId],
    );
    if ((receipt.rowCount ?? 0) === 0) return { status: "duplicate" as const };
    if (outcomes.length === 0) return { status: "ignored" as const };
    const suppressed: string[] = [];
    for (const [index, outcome] of outcomes.entries()) {
      const recorded = await recordEmailOutcome(tx, outcome, {
        source: provider,
        eventKey: `webhook:${provider}:${deliveryId}:${index}`,
        eventSource: "webhook",
        softBounce: options.email.softBounce,
      });
      if (recorded.suppressed) suppressed.push(`${outcome.email.toLowerCase()}:${recorded.suppressed}`);
    }
    return { status: "processed" as const, ...(suppressed.length > 0 ? { suppressed } : {}) };
  });
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new HogsendError(ErrorCodes.INVALID_JSON, "The webhook body is not valid JSON");
  }
}

function unauthorized(message: string): HogsendError {
  return new HogsendError(ErrorCodes.UNAUTHORIZED, message);
}
