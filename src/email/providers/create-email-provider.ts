import type { Config } from "../../config.js";
import type { Queryable } from "../../db/database.js";
import { assertNever, ErrorCodes, HogsendError } from "../../errors.js";
import { createCaptureProvider } from "./capture-provider.js";
import type { EmailProvider } from "./email-provider.js";
import { createPostmarkProvider } from "./postmark-provider.js";
import { createResendProvider } from "./resend-provider.js";
import { createSmtpProvider } from "./smtp-provider.js";

/** The one place the configured EMAIL_PROVIDER becomes an adapter. */
export function createEmailProvider(config: Config, db: Queryable): EmailProvider {
  const email = config.email;
  const timeoutMs = email.delivery.sendTimeoutMs;
  switch (email.provider) {
    case "resend":
      return createResendProvider({
        apiKey: required(email.resend.apiKey, "RESEND_API_KEY"),
        baseUrl: email.resend.baseUrl,
        timeoutMs,
      });
    case "postmark":
      return createPostmarkProvider({
        serverToken: required(email.postmark.serverToken, "POSTMARK_SERVER_TOKEN"),
        messageStream: email.postmark.messageStream,
        timeoutMs,
      });
    case "smtp":
      return createSmtpProvider({ url: required(email.smtpUrl, "SMTP_URL"), timeoutMs });
    case "capture":
      return createCaptureProvider(db);
    default:
      return assertNever(email.provider, "email provider");
  }
}

function required(value: string | undefined, variable: string): string {
  if (value === undefined) throw new HogsendError(ErrorCodes.CONFIG_INVALID, `${variable} is required`);
  return value;
}
