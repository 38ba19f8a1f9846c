import { existsSync } from "node:fs";
import path from "node:path";
import { type AlertsConfig, parseAlertsConfig } from "../alerts/alert-settings.js";
import { assertJourneyTemplatesExist } from "../email/templates/assert-journey-templates-exist.js";
import { createTemplateRegistry, type TemplateRegistry } from "../email/templates/template-registry.js";
import { ErrorCodes, HogsendError, isHogsendError } from "../errors.js";
import { createJourneyRegistry, importJourneysModule } from "../journeys/journey-registry.js";
import type { DefinedJourney } from "../journeys/journey-types.js";
import { importModule } from "../lib/import-module.js";
import { checkProjectSources, type ProjectSources } from "../sources/project-sources.js";
import type { HogsendConfig } from "./define-config.js";

/** File names looked for in the working directory, in order. */
export const CONFIG_FILE_NAMES = [
  "hogsend.config.ts",
  "hogsend.config.mts",
  "hogsend.config.js",
  "hogsend.config.mjs",
];

/** A loaded, validated project: what the composition root builds the app from. */
export interface Project {
  /** Absolute path of the config file read, or undefined when there is none. */
  readonly configPath: string | undefined;
  /** The project's folder (the config's), which `hogsend dev` watches. */
  readonly root: string;
  readonly journeys: readonly DefinedJourney[];
  readonly templates: TemplateRegistry;
  /** The config's `alerts` (validated); `{}` when it sets none. */
  readonly alerts: AlertsConfig;
  /** The project's own webhook sources and the built-ins' options. */
  readonly sources: ProjectSources;
}

export interface LoadProjectOptions {
  /** `--config PATH` (or HOGSEND_CONFIG); when unset, `hogsend.config.ts` in `cwd` if there is one. */
  configPath?: string | undefined;
  /** `--journeys PATH` (or HOGSEND_JOURNEYS): journeys from this module instead of the config's. */
  journeysModule?: string | undefined;
  /** Used when neither the option nor `cwd` has a config (`hogsend dev` in this repository: the examples). */
  fallbackConfigPath?: string | undefined;
  cwd?: string;
}

/** Finds the config file to read, or undefined. An explicit path that does not exist is an error. */
export function findConfigFile(options: LoadProjectOptions): string | undefined {
  const cwd = options.cwd ?? process.cwd();
  if (options.configPath !== undefined) {
    const explicit = path.resolve(cwd, options.configPath);
    if (!existsSync(explicit)) {
      throw new HogsendError(ErrorCodes.CONFIG_INVALID, `Config file not found: ${explicit}`);
    }
    return explicit;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const candidate = path.join(cwd, name);
    if (existsSync(candidate)) return candidate;
  }
  if (options.journeysModule === undefined && options.fallbackConfigPath !== undefined) {
    return options.fallbackConfigPath;
  }
  return undefined;
}

/**
 * Reads the project: imports its config (TypeScript through the CLI's loader), then checks it all at once, so a
 * mistake stops the command at start-up naming the file and the key rather than failing runs days later.
 */
export async function loadProject(options: LoadProjectOptions = {}): Promise<Project> {
  const cwd = options.cwd ?? process.cwd();
  const configPath = findConfigFile(options);
  const config = configPath ? await importConfig(configPath) : {};
  const source = configPath ? path.relative(cwd, configPath) || configPath : "the journeys module";
  const templates = createTemplateRegistry(config.templates ?? [], {
    categories: config.categories,
    frequencyCaps: config.frequencyCaps,
    source,
  });
  const alerts = parseAlertsConfig(config.alerts);
  if (!alerts.ok) {
    const lines = alerts.problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n");
    throw new HogsendError(ErrorCodes.CONFIG_INVALID, `${source}: invalid alerts settings:\n${lines}`, {
      details: alerts.problems,
    });
  }
  let journeys: readonly unknown[];
  let journeysSource = source;
  if (options.journeysModule !== undefined) {
    journeys = await importJourneysModule(options.journeysModule);
    journeysSource = options.journeysModule;
  } else {
    journeys = config.journeys ?? [];
    if (!Array.isArray(journeys)) {
      throw new HogsendError(
        ErrorCodes.CONFIG_INVALID,
        `${source}: \`journeys\` must be an array of journeys`,
      );
    }
  }
  let registry: ReturnType<typeof createJourneyRegistry>;
  try {
    registry = createJourneyRegistry(journeys);
  } catch (error) {
    if (isHogsendError(error)) {
      throw new HogsendError(error.code, `${journeysSource}: ${error.message}`, {
        details: error.details,
        cause: error,
      });
    }
    throw error;
  }
  assertJourneyTemplatesExist(registry.journeys, templates, journeysSource);
  const sources = checkProjectSources(config, source);
  return {
    configPath,
    root: configPath ? path.dirname(configPath) : cwd,
    journeys: registry.journeys,
    templates,
    alerts: alerts.config,
    sources,
  };
}

async function importConfig(configPath: string): Promise<HogsendConfig> {
  let mod: Record<string, unknown>;
  try {
    // Through importModule: the compiled CLI registers tsx only when a config is TypeScript.
    mod = await importModule(configPath);
  } catch (error) {
    throw new HogsendError(
      ErrorCodes.CONFIG_INVALID,
      `Could not load ${configPath}: ${(error as Error)?.message ?? error}`,
      { cause: error },
    );
  }
  const config = mod.default;
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new HogsendError(
      ErrorCodes.CONFIG_INVALID,
      `${configPath} must \`export default defineConfig({ journeys, templates })\``,
    );
  }
  return config as HogsendConfig;
}
