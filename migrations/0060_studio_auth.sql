-- Studio logins (Better Auth 1.7, src/auth/studio/). The four tables below are what Better Auth's getMigrations
-- compiles for the mapping in src/auth/studio/studio-schema.ts (test/studio-auth-schema.test.ts checks that it
-- would change nothing); keep them as compiled, and add a new migration when a Better Auth upgrade needs one.
create table "studio_users" ("id" uuid default pg_catalog.gen_random_uuid() not null primary key, "name" text not null, "email" text not null unique, "email_verified" boolean not null, "image" text, "created_at" timestamptz default CURRENT_TIMESTAMP not null, "updated_at" timestamptz default CURRENT_TIMESTAMP not null, "role" text, "banned" boolean, "ban_reason" text, "ban_expires" timestamptz);

create table "studio_sessions" ("id" uuid default pg_catalog.gen_random_uuid() not null primary key, "expires_at" timestamptz not null, "token" text not null unique, "created_at" timestamptz default CURRENT_TIMESTAMP not null, "updated_at" timestamptz not null, "ip_address" text, "user_agent" text, "user_id" uuid not null references "studio_users" ("id") on delete cascade, "impersonated_by" text);

create table "studio_accounts" ("id" uuid default pg_catalog.gen_random_uuid() not null primary key, "account_id" text not null, "provider_id" text not null, "user_id" uuid not null references "studio_users" ("id") on delete cascade, "access_token" text, "refresh_token" text, "id_token" text, "access_token_expires_at" timestamptz, "refresh_token_expires_at" timestamptz, "scope" text, "password" text, "created_at" timestamptz default CURRENT_TIMESTAMP not null, "updated_at" timestamptz not null);

create table "studio_verifications" ("id" uuid default pg_catalog.gen_random_uuid() not null primary key, "identifier" text not null, "value" text not null, "expires_at" timestamptz not null, "created_at" timestamptz default CURRENT_TIMESTAMP not null, "updated_at" timestamptz default CURRENT_TIMESTAMP not null);

create index "studio_sessions_user_id_idx" on "studio_sessions" ("user_id");

create index "studio_accounts_user_id_idx" on "studio_accounts" ("user_id");

create index "studio_verifications_identifier_idx" on "studio_verifications" ("identifier");

-- Fixed-window counters of Studio's rate limits (sign-in per IP and per account) when Redis is not configured or
-- not reachable: src/auth/studio/rate-limit-store.ts. Unlogged: a counter lost in a crash costs nothing.
CREATE UNLOGGED TABLE studio_rate_limits (
  key text PRIMARY KEY,
  count integer NOT NULL,
  window_started_at timestamptz NOT NULL
);
CREATE INDEX studio_rate_limits_window_idx ON studio_rate_limits (window_started_at);
