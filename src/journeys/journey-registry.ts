import path from "node:path";
import { pathToFileURL } from "node:url";
import { ErrorCodes, HogsendError } from "../errors.js";
import { importModule } from "../lib/import-module.js";
import { validateJourney } from "./journey-meta-schema.js";
import type { DefinedJourney } from "./journey-types.js";

/** The journeys this process runs, indexed by id and by the events that concern them. */
export interface JourneyRegistry {
  readonly journeys: readonly DefinedJourney[];
  get(id: string): DefinedJourney | undefined;
  /** Journeys whose trigger is this event. */
  triggeredBy(event: string): readonly DefinedJourney[];
  /** Journeys with an exitOn rule for this event. */
  exitedBy(event: string): readonly DefinedJourney[];
  /** Journeys whose meta.goal is this event. */
  convertedBy(event: string): readonly DefinedJourney[];
}

/**
 * Builds a registry: validates every meta, rejects duplicate ids, and applies `ENABLED_JOURNEYS` (`*` or a list;
 * an id in the list that no journey has is a startup error, not a silent no-op).
 */
export function createJourneyRegistry(
  journeys: readonly unknown[],
  enabled: "*" | readonly string[] = "*",
): JourneyRegistry {
  const byId = new Map<string, DefinedJourney>();
  journeys.forEach((candidate, index) => {
    const journey = validateJourney(candidate, `entry ${index} of the journeys array`);
    if (byId.has(journey.meta.id)) {
      throw new HogsendError(ErrorCodes.JOURNEY_INVALID, `Two journeys share the id "${journey.meta.id}"`, {
        details: { journeyId: journey.meta.id },
      });
    }
    byId.set(journey.meta.id, journey);
  });
  if (enabled !== "*") {
    const unknown = enabled.filter((id) => !byId.has(id));
    if (unknown.length > 0) {
      throw new HogsendError(
        ErrorCodes.CONFIG_INVALID,
        `ENABLED_JOURNEYS names unknown journey id(s): ${unknown.join(", ")}. Known: ${[...byId.keys()].join(", ") || "(none)"}`,
        { details: { unknown } },
      );
    }
    for (const id of [...byId.keys()]) if (!enabled.includes(id)) byId.delete(id);
  }
  const selected = [...byId.values()];
  const triggers = new Map<string, DefinedJourney[]>();
  const exits = new Map<string, DefinedJourney[]>();
  const goals = new Map<string, DefinedJourney[]>();
  for (const journey of selected) {
    push(triggers, journey.meta.trigger.event, journey);
    if (journey.meta.goal) push(goals, journey.meta.goal.event, journey);
    for (const rule of journey.meta.exitOn ?? []) {
      const list = exits.get(rule.event) ?? [];
      if (!list.includes(journey)) list.push(journey);
      exits.set(rule.event, list);
    }
  }
  return {
    journeys: selected,
    get: (id) => byId.get(id),
    triggeredBy: (event) => triggers.get(event) ?? [],
    exitedBy: (event) => exits.get(event) ?? [],
    convertedBy: (event) => goals.get(event) ?? [],
  };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

/** Imports a journeys module and returns its array (its `journeys` export or its default export). */
export async function importJourneysModule(modulePath: string): Promise<readonly unknown[]> {
  const url = modulePath.startsWith("file:") ? modulePath : pathToFileURL(path.resolve(modulePath)).href;
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(url);
  } catch (error) {
    throw new HogsendError(
      ErrorCodes.JOURNEY_INVALID,
      `Could not load journeys from ${modulePath}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const list = mod.journeys ?? mod.default;
  if (!Array.isArray(list)) {
    throw new HogsendError(
      ErrorCodes.JOURNEY_INVALID,
      `${modulePath} must export an array of journeys as \`journeys\` or as its default export`,
    );
  }
  return list;
}

/** Imports a journeys module and builds the registry. */
export async function loadJourneys(
  modulePath: string,
  enabled: "*" | readonly string[] = "*",
): Promise<JourneyRegistry> {
  return createJourneyRegistry(await importJourneysModule(modulePath), enabled);
}

/** A memoised loader for processes that need journey meta but do not run journeys (the api). */
export function lazyJourneyRegistry(
  modulePath: string | undefined,
  enabled: "*" | readonly string[] = "*",
): () => Promise<JourneyRegistry | undefined> {
  let loading: Promise<JourneyRegistry | undefined> | undefined;
  return () => {
    loading ??= modulePath ? loadJourneys(modulePath, enabled) : Promise.resolve(undefined);
    return loading;
  };
}
