#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { API_KEY_SCOPES } from "../auth/api-key-store.js";
import { STUDIO_ROLES } from "../auth/studio/studio-roles.js";
import { runCommand } from "./run-command.js";

// Commands load their modules only when they run, so `--help` and small commands don't import the whole product
// (templates, providers, the engine) first.
const VERSION: string = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
).version;

const program = new Command()
  .name("hogsend")
  .description("Lifecycle email where journeys are durable TypeScript code")
  .version(VERSION)
  .showHelpAfterError();

const journeysOption = () =>
  new Option(
    "--journeys <path>",
    "module exporting an array of journeys, replacing the config's (default: HOGSEND_JOURNEYS)",
  );
const configOption = () =>
  new Option(
    "--config <path>",
    "the project config (default: HOGSEND_CONFIG, else hogsend.config.ts in the working directory)",
  );

program
  .command("init")
  .description("Create a new project (config, a journey, a template, a test, Dockerfile) in an empty folder")
  .argument("[dir]", "the folder to create the project in (default: the working directory)")
  .action(runCommand(() => import("../cli/init/init-project.js").then((m) => m.initCommand)));

program
  .command("migrate")
  .description("Apply pending database migrations, then exit (0 when the schema is current)")
  .action(runCommand(() => import("./run-migrate.js").then((m) => m.runMigrate)));

program
  .command("api")
  .description("Serve the HTTP API on PORT (refuses to start against an unmigrated schema)")
  .addOption(configOption())
  .addOption(journeysOption())
  .action(runCommand(() => import("./run-api.js").then((m) => m.runApi)));

program
  .command("worker")
  .description("Run journeys, routing and delivery; no port (refuses to start against an unmigrated schema)")
  .addOption(configOption())
  .addOption(journeysOption())
  .action(runCommand(() => import("./run-worker.js").then((m) => m.runWorker)));

program
  .command("dev")
  .description(
    "Local development: embedded Postgres, migrate, api and worker; reloads journeys and templates on save",
  )
  .addOption(configOption())
  .addOption(journeysOption())
  .action(runCommand(() => import("./run-dev.js").then((m) => m.runDev)));

const keys = program.command("keys").description("Manage API keys");
keys
  .command("create")
  .description("Create an API key and print it once")
  .requiredOption("--name <name>", "a label for the key")
  .addOption(new Option("--scope <scope>", "what the key may do").choices(API_KEY_SCOPES).default("ingest"))
  .action(runCommand(() => import("./run-keys.js").then((m) => m.createKey)));
keys
  .command("list")
  .description("List API keys (never the keys themselves)")
  .action(runCommand(() => import("./run-keys.js").then((m) => m.listKeys)));
keys
  .command("revoke")
  .description("Revoke an API key by id or prefix")
  .argument("<idOrPrefix>", "the key's id or the prefix shown by `keys list`")
  .action(runCommand(() => import("./run-keys.js").then((m) => m.revokeKey)));

const contacts = program.command("contacts").description("Import and export contacts");
contacts
  .command("import")
  .description("Import contacts from a CSV or NDJSON file, streamed, with a progress bar")
  .argument("<file>", "CSV with a userId column, or NDJSON with one { userId, ... } object per line")
  .addOption(
    new Option("--format <format>", "file format (default: from the extension)").choices(["csv", "ndjson"]),
  )
  .action(runCommand(() => import("../cli/contacts-commands.js").then((m) => m.importContactsCommand)));
contacts
  .command("export")
  .description("Export every contact as CSV or NDJSON")
  .addOption(
    new Option("--format <format>", "output format (default: from --out, else ndjson)").choices([
      "csv",
      "ndjson",
    ]),
  )
  .option("--out <file>", "write to this file instead of stdout")
  .action(runCommand(() => import("../cli/contacts-commands.js").then((m) => m.exportContactsCommand)));

program
  .command("hatchet")
  .description("The local Hatchet engine (HOGSEND_ENGINE=hatchet under `hogsend dev`)")
  .command("build")
  .description(
    "Build the pinned Hatchet engine with Go, once per machine (into HOGSEND_HATCHET_BIN_DIR, else ~/.cache)",
  )
  .option("--force", "rebuild even when it is already built")
  .action(runCommand(() => import("../cli/hatchet-commands.js").then((m) => m.hatchetBuildCommand)));

const studio = program.command("studio").description("Studio, the web admin");
studio
  .command("admin")
  .description("Studio users")
  .command("create")
  .description("Create a Studio user (email + password); prints a generated password once")
  .requiredOption("--email <email>", "the user's email address (their sign-in name)")
  .option("--password <password>", "10 to 128 characters (default: a generated one, printed once)")
  .addOption(new Option("--role <role>", "what the user may do").choices(STUDIO_ROLES).default("admin"))
  .action(runCommand(() => import("../cli/studio-commands.js").then((m) => m.createStudioAdminCommand)));

const templates = program.command("templates").description("Email templates");
templates
  .command("list")
  .description("List the project's templates")
  .addOption(configOption())
  .action(runCommand(() => import("../cli/template-commands.js").then((m) => m.listTemplatesCommand)));
templates
  .command("preview")
  .description("Render a template to HTML (or --text) with the given props")
  .argument("<key>", "template key, e.g. activation/welcome")
  .option("--props <json>", "template props as JSON (default: the template's example props)")
  .option("--text", "write the plain-text version instead of HTML")
  .option("--out <file>", "write to this file instead of stdout")
  .addOption(configOption())
  .action(runCommand(() => import("../cli/template-commands.js").then((m) => m.previewTemplateCommand)));

const broadcasts = program.command("broadcasts").description("One-off sends of a template to an audience");
const broadcastCommands = () => import("../cli/broadcast-commands.js");
broadcasts
  .command("list")
  .description("List broadcasts, newest first, with their stats")
  .option("--status <status>", "only this status (draft, scheduled, materializing, sending, sent, cancelled)")
  .option("--limit <n>", "how many (1-200, default 50)")
  .option("--json", "one JSON array instead of lines")
  .addOption(configOption())
  .action(runCommand(() => broadcastCommands().then((m) => m.listBroadcastsCommand)));
broadcasts
  .command("create")
  .description("Create a draft broadcast (from --file JSON, or the options)")
  .option("--file <path>", "a JSON file with the API's body: { name, template, subject?, audience, … }")
  .option("--name <name>", "a label")
  .option("--template <key>", "the template key")
  .option("--subject <subject>", "required when the template declares no subject")
  .option("--category <category>", "default: the template's")
  .option("--props <json>", "template props as JSON")
  .option("--audience <json>", '{ "match": "all", "conditions": [ … ] } (default: every subscribed contact)')
  .option("--rate <n>", "recipients enqueued per second")
  .option("--json", "print the broadcast as JSON")
  .addOption(configOption())
  .action(runCommand(() => broadcastCommands().then((m) => m.createBroadcastCommand)));
broadcasts
  .command("preview")
  .description("Count the broadcast's audience now and show a sample")
  .argument("<id>", "the broadcast id")
  .option("--sample <n>", "how many contacts to show (0-100, default 10)")
  .option("--json", "print JSON")
  .addOption(configOption())
  .action(runCommand(() => broadcastCommands().then((m) => m.previewBroadcastCommand)));
broadcasts
  .command("send")
  .description("Send a draft or scheduled broadcast now, or --at a time")
  .argument("<id>", "the broadcast id")
  .option(
    "--at <iso>",
    "schedule for this ISO 8601 date-time with an offset (2030-01-31T09:00:00Z) instead of now",
  )
  .option("--json", "print the broadcast as JSON")
  .addOption(configOption())
  .action(runCommand(() => broadcastCommands().then((m) => m.sendBroadcastCommand)));
broadcasts
  .command("cancel")
  .description("Cancel a broadcast: what has not gone yet stops")
  .argument("<id>", "the broadcast id")
  .option("--json", "print the broadcast as JSON")
  .addOption(configOption())
  .action(runCommand(() => broadcastCommands().then((m) => m.cancelBroadcastCommand)));

await program.parseAsync(process.argv);
