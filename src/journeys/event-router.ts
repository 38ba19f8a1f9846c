import { randomUUID } from "node:crypto";
import type pg from "pg";
import {
  getRoutingContacts,
  type RoutingContact,
  upsertContactsFromEvents,
} from "../contacts/contact-store.js";
import type { Database } from "../db/database.js";
import { takeQueuedEvents } from "../events/event-store.js";
import type { StoredEvent } from "../events/event-types.js";
import type { Clock } from "../lib/clock.js";
import { durationToMs } from "../lib/duration.js";
import { type GoalHit, recordConversions } from "./goal-store.js";
import { isHeldOut } from "./holdout-assignment.js";
import { effectiveEnabled, loadEnabledOverrides } from "./journey-override-store.js";
import type { JourneyRegistry } from "./journey-registry.js";
import { endRuns } from "./journey-store.js";
import type { DefinedJourney } from "./journey-types.js";
import {
  looksUpPersons,
  type PersonPropertyLookup,
  usersNeedingPersonLookup,
} from "./person-property-lookup.js";
import { type ConditionSources, matchesConditions } from "./property-conditions.js";
import {
  addSkipCounts,
  claimOnceEntries,
  insertNewRuns,
  type LiveRun,
  loadUserJourneyState,
  type NewRun,
  notifyRunsDue,
  pairKey,
  resumeWaitingRuns,
  type UserJourneyState,
} from "./routing-store.js";

export type SkipReason =
  | "journey_disabled"
  | "trigger_conditions_not_met"
  | "already_entered_once"
  | "period_not_elapsed"
  | "user_unsubscribed"
  | "already_active";

export interface RouterDeps {
  db: Database;
  clock: Clock;
  registry: JourneyRegistry;
  /**
   * Runtime enable/disable overrides by journey id (journey_enabled_overrides), as a worker caches them. Omitted,
   * the batch reads them in its own transaction (the harness: exact, one small query per batch).
   */
  overrides?: ReadonlyMap<string, boolean> | undefined;
  /**
   * Person properties for the contact conditions of journeys with `meta.personLookup` (PostHog's persons API when
   * POSTHOG_PERSONAL_API_KEY is set). Called inside the batch's transaction, bounded by its own timeout.
   */
  personLookup?: PersonPropertyLookup | undefined;
}

export interface RouteResult {
  events: number;
  /** Runs created, held-out ones included. */
  enrolled: number;
  exited: number;
  resumed: number;
  skipped: number;
  /** Runs that met their journey's goal in this batch. */
  converted: number;
}

/**
 * Routes one batch of queued events from `partitions`, in one transaction: upserts contacts, then applies each
 * event in per-user order to exits, waits and enrollments. A crash rolls the whole batch back and the queue rows
 * return, so an accepted event is routed exactly once.
 */
export async function routeBatch(
  deps: RouterDeps,
  partitions: readonly number[],
  limit: number,
): Promise<RouteResult> {
  const empty: RouteResult = { events: 0, enrolled: 0, exited: 0, resumed: 0, skipped: 0, converted: 0 };
  if (partitions.length === 0) return empty;
  return deps.db.transaction(async (tx) => {
    const events = await takeQueuedEvents(tx, partitions, limit);
    if (events.length === 0) return empty;
    await upsertContactsFromEvents(tx, events);
    return applyEvents(deps, tx, events);
  });
}

async function applyEvents(deps: RouterDeps, tx: pg.PoolClient, events: StoredEvent[]): Promise<RouteResult> {
  const now = deps.clock.now();
  const { registry } = deps;
  const users = [...new Set(events.map((e) => e.userId))];
  const overrides = deps.overrides ?? (await loadEnabledOverrides(tx));
  const state: UserState = {
    contacts: await getRoutingContacts(tx, users),
    ...(await loadUserJourneyState(
      tx,
      users,
      registry.journeys.map((j) => j.meta.id),
    )),
  };
  const persons = deps.personLookup
    ? await deps.personLookup.lookup(
        usersNeedingPersonLookup({
          registry,
          events,
          contactProperties: (userId) => state.contacts.get(userId)?.properties ?? {},
          hasLiveRun: (userId, journeyId) => state.live.get(userId)?.has(journeyId) ?? false,
          isEnabled: (journey) => effectiveEnabled(journey.meta.enabled, overrides.get(journey.meta.id)),
        }),
      )
    : undefined;
  const exits = new Map<string, number>();
  const resumes: Array<{ run: LiveRun; event: StoredEvent }> = [];
  const newRuns: NewRun[] = [];
  const goals: GoalHit[] = [];
  const skips = new Map<string, number>();
  const skip = (journeyId: string, reason: SkipReason) => {
    const key = `${journeyId}\u0000${reason}`;
    skips.set(key, (skips.get(key) ?? 0) + 1);
  };

  const exit = (live: Map<string, LiveRun>, run: LiveRun, eventId: number) => {
    live.delete(run.journeyId);
    if (run.isNew) {
      const created = newRuns.find((r) => r.id === run.id);
      if (created) created.exitEventId = eventId;
    } else {
      exits.set(run.id, eventId);
    }
  };

  for (const event of events) {
    const contact = state.contacts.get(event.userId);
    const sources: ConditionSources = { context: event.properties, contact: contact?.properties ?? {} };
    // Opted-in journeys also see the person's properties the contact lacks (stored properties win).
    const person = persons?.get(event.userId);
    const withPerson = person ? { ...sources, contact: { ...person, ...sources.contact } } : sources;
    const sourcesFor = (journey: DefinedJourney) => (looksUpPersons(journey) ? withPerson : sources);
    const live = state.live.get(event.userId) ?? new Map<string, LiveRun>();
    state.live.set(event.userId, live);

    // 1. Exits: end the user's live runs of every journey with a matching exitOn rule.
    for (const journey of registry.exitedBy(event.event)) {
      const run = live.get(journey.meta.id);
      if (!run) continue;
      const rules = (journey.meta.exitOn ?? []).filter((rule) => rule.event === event.event);
      if (rules.some((rule) => matchesConditions(rule.where, sourcesFor(journey)))) exit(live, run, event.id);
    }

    // 1b. Goals: every run of the user may convert (recorded below, in one statement for the batch); a live run
    // of an exitOnGoal journey that converts now also ends, by the same rule the statement applies.
    for (const journey of registry.convertedBy(event.event)) {
      const goal = journey.meta.goal;
      if (!goal || !matchesConditions(goal.where, sources)) continue;
      const withinMs = durationToMs(goal.within);
      goals.push({
        journeyId: journey.meta.id,
        userId: event.userId,
        eventId: event.id,
        event: event.event,
        occurredAt: event.occurredAt,
        withinMs,
      });
      const run = live.get(journey.meta.id);
      if (goal.exitOnGoal && run && event.occurredAt.getTime() - run.createdAt.getTime() <= withinMs) {
        exit(live, run, event.id);
      }
    }

    // 2. Waits: resume the user's runs waiting for this event.
    for (const run of live.values()) {
      if (run.status !== "waiting" || run.waitEvent !== event.event) continue;
      if (!matchesConditions(run.waitWhere ?? undefined, sources)) continue;
      run.status = "active";
      run.waitEvent = null;
      resumes.push({ run, event });
    }

    // 3. Enrollment, through the guards in the documented order.
    for (const journey of registry.triggeredBy(event.event)) {
      const reason = enrollmentBlocker(journey, overrides, event, sourcesFor(journey), state, live, now);
      if (reason) {
        skip(journey.meta.id, reason);
        continue;
      }
      const id = randomUUID();
      const once = journey.meta.entryLimit === "once";
      // After every guard, so control and treatment are drawn from the same eligible users.
      const heldOut = isHeldOut(journey.meta.id, event.userId, journey.meta.holdout);
      newRuns.push({
        id,
        journeyId: journey.meta.id,
        userId: event.userId,
        userEmail: event.userEmail ?? contact?.email ?? null,
        properties: event.properties,
        triggerEventId: event.id,
        exitEventId: null,
        once,
        heldOut,
      });
      if (once) state.once.add(pairKey(journey.meta.id, event.userId));
      state.lastEntry.set(pairKey(journey.meta.id, event.userId), now);
      // A held-out run is not live: it holds no place against already_active and nothing resumes or exits it.
      if (heldOut) continue;
      live.set(journey.meta.id, {
        id,
        journeyId: journey.meta.id,
        userId: event.userId,
        status: "active",
        waitEvent: null,
        waitWhere: null,
        waitPosition: null,
        createdAt: now,
        isNew: true,
      });
    }
  }

  const result = await writeRouting(tx, now, { exits, resumes, newRuns, goals, skips });
  result.events = events.length;
  return result;
}

function enrollmentBlocker(
  journey: DefinedJourney,
  overrides: ReadonlyMap<string, boolean>,
  event: StoredEvent,
  sources: ConditionSources,
  state: UserState,
  live: Map<string, LiveRun>,
  now: Date,
): SkipReason | undefined {
  const { meta } = journey;
  // Checked before enrollment only (the spec): runs already in flight carry on when a journey is disabled.
  if (!effectiveEnabled(meta.enabled, overrides.get(meta.id))) return "journey_disabled";
  if (!matchesConditions(meta.trigger.where, sources)) return "trigger_conditions_not_met";
  const key = pairKey(meta.id, event.userId);
  if (meta.entryLimit === "once" && state.once.has(key)) return "already_entered_once";
  if (meta.entryLimit === "once_per_period" && meta.entryPeriod) {
    const last = state.lastEntry.get(key);
    if (last && now.getTime() - last.getTime() < durationToMs(meta.entryPeriod)) return "period_not_elapsed";
  }
  if (state.contacts.get(event.userId)?.unsubscribed) return "user_unsubscribed";
  if (live.has(meta.id)) return "already_active";
  return undefined;
}

interface UserState extends UserJourneyState {
  contacts: Map<string, RoutingContact>;
}

async function writeRouting(
  tx: pg.PoolClient,
  now: Date,
  work: {
    exits: Map<string, number>;
    resumes: Array<{ run: LiveRun; event: StoredEvent }>;
    newRuns: NewRun[];
    goals: GoalHit[];
    skips: Map<string, number>;
  },
): Promise<RouteResult> {
  const result: RouteResult = { events: 0, enrolled: 0, exited: 0, resumed: 0, skipped: 0, converted: 0 };
  const exits = [...work.exits].map(([id, exitEventId]) => ({ id, exitEventId }));
  result.exited = (await endRuns(tx, "exited", exits, now)).length;
  result.resumed = await resumeWaitingRuns(tx, work.resumes, now);
  if (work.newRuns.length > 0) {
    const won = await claimOnceEntries(
      tx,
      work.newRuns.filter((r) => r.once),
      now,
    );
    const runs = work.newRuns.filter((r) => {
      if (!r.once || won.has(pairKey(r.journeyId, r.userId))) return true;
      bump(work.skips, r.journeyId, "already_entered_once");
      return false;
    });
    const created = await insertNewRuns(tx, runs, now);
    for (const run of runs) if (!created.has(run.id)) bump(work.skips, run.journeyId, "already_active");
    result.enrolled = created.size;
  }
  // After the inserts, so runs entered earlier in this batch convert on later events of it.
  result.converted = (await recordConversions(tx, work.goals, now)).length;
  const counts = [...work.skips.entries()].map(([key, count]) => {
    const [journeyId = "", reason = ""] = key.split("\u0000");
    return { journeyId, reason, count };
  });
  await addSkipCounts(tx, counts);
  result.skipped = counts.reduce((sum, c) => sum + c.count, 0);
  if (result.enrolled > 0 || result.resumed > 0) await notifyRunsDue(tx);
  return result;
}

function bump(skips: Map<string, number>, journeyId: string, reason: SkipReason): void {
  const key = `${journeyId}\u0000${reason}`;
  skips.set(key, (skips.get(key) ?? 0) + 1);
}
