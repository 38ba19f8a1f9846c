import { z } from "zod";
import { assertSchemaCurrent, createApp } from "../app.js";
import { CLI_AUDIT_CONTEXT } from "../audit/audit-entry.js";
import { createStudioUser, generatePassword } from "../auth/studio/create-studio-user.js";
import { isStudioRole, STUDIO_ROLES } from "../auth/studio/studio-roles.js";
import type { Config } from "../config.js";
import { ErrorCodes, HogsendError } from "../errors.js";

const emailSchema = z.email();

/**
 * `hogsend studio admin create --email E [--password P] [--role admin|viewer]`: adds a Studio user straight to
 * the database (no running api needed), for the first admin or to let someone back in. Without --password one
 * is generated and printed once on stdout.
 */
export async function createStudioAdminCommand(
  config: Config,
  options: { email: string; password?: string | undefined; role?: string | undefined },
): Promise<void> {
  const email = options.email.trim().toLowerCase();
  if (!emailSchema.safeParse(email).success) {
    throw new HogsendError(ErrorCodes.VALIDATION_FAILED, `--email ${options.email} is not an email address`);
  }
  const role = options.role ?? "admin";
  if (!isStudioRole(role)) {
    throw new HogsendError(ErrorCodes.VALIDATION_FAILED, `--role must be one of ${STUDIO_ROLES.join(", ")}`);
  }
  if (options.password !== undefined && (options.password.length < 10 || options.password.length > 128)) {
    throw new HogsendError(ErrorCodes.VALIDATION_FAILED, "--password must be 10 to 128 characters");
  }
  const password = options.password ?? generatePassword();
  const app = await createApp(config);
  try {
    await assertSchemaCurrent(app);
    const user = await createStudioUser(app.studioAuth(), { email, password, role }, CLI_AUDIT_CONTEXT);
    const lines = [`Created Studio ${user.role} ${user.email} (id ${user.id})`];
    if (options.password === undefined) lines.push(`Password (shown once): ${password}`);
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await app.close();
  }
}
