/**
 * Better Auth's tables under Studio names with snake_case columns, like every other table here. The SQL that
 * creates them is `migrations/0060_studio_auth.sql`, compiled from this mapping by Better Auth's own
 * `getMigrations`; `test/studio-auth-schema.test.ts` fails if Better Auth would change anything in it.
 */
export const STUDIO_AUTH_TABLES = {
  user: {
    modelName: "studio_users",
    fields: {
      emailVerified: "email_verified",
      createdAt: "created_at",
      updatedAt: "updated_at",
    },
  },
  session: {
    modelName: "studio_sessions",
    fields: {
      expiresAt: "expires_at",
      createdAt: "created_at",
      updatedAt: "updated_at",
      ipAddress: "ip_address",
      userAgent: "user_agent",
      userId: "user_id",
    },
  },
  account: {
    modelName: "studio_accounts",
    fields: {
      accountId: "account_id",
      providerId: "provider_id",
      userId: "user_id",
      accessToken: "access_token",
      refreshToken: "refresh_token",
      idToken: "id_token",
      accessTokenExpiresAt: "access_token_expires_at",
      refreshTokenExpiresAt: "refresh_token_expires_at",
      createdAt: "created_at",
      updatedAt: "updated_at",
    },
  },
  verification: {
    modelName: "studio_verifications",
    fields: { expiresAt: "expires_at", createdAt: "created_at", updatedAt: "updated_at" },
  },
} as const;

export const STUDIO_AUTH_FIELDS = {
  admin: {
    user: { fields: { banReason: "ban_reason", banExpires: "ban_expires" } },
    session: { fields: { impersonatedBy: "impersonated_by" } },
  },
} as const;
