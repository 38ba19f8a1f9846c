import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * The metric catalog: every Prometheus family Hogsend records itself, built on one process's `Registry` by
 * `createMetrics` in the composition root and handed to the parts that count (no module-level registry). Names
 * follow Prometheus conventions: `hogsend_` prefix, `_total` counters, base units (`_seconds`), and labels with a
 * small, fixed set of values — route templates, journey ids, providers, statuses — never a raw path, user,
 * message or event id. Hot paths only increment counters and observe histograms; the gauges that need the
 * database (queue depths, lags, live runs) are filled by `startMetricsSampler`, once per interval per process.
 *
 * Node's process metrics are the standard, unprefixed names (`process_cpu_seconds_total`, `nodejs_heap_size_*`,
 * `nodejs_eventloop_lag_seconds` …) so that stock Node.js dashboards and alert rules work unchanged; Prometheus'
 * `job`/`instance` labels already say which process they describe. Three of prom-client's defaults are dropped:
 * `nodejs_active_{handles,requests,resources}_total` are gauges named like counters (promtool refuses them), and
 * each is the sum over `type` of `nodejs_active_handles` / `_requests` / `_resources`, which stay.
 */
export interface HogsendMetrics {
  readonly registry: Registry;
  readonly buildInfo: Gauge<"version">;
  readonly http: {
    requests: Counter<"method" | "route" | "status">;
    duration: Histogram<"method" | "route">;
  };
  readonly events: {
    ingested: Counter<"source">;
    duplicates: Counter<"source">;
    rejected: Counter<"source" | "reason">;
    routed: Counter;
    deadLettered: Counter;
    queueDepth: Gauge;
    routingLag: Gauge;
    deadLetters: Gauge;
  };
  readonly journeys: {
    runs: Gauge<"journey" | "status">;
    executions: Counter<"journey" | "outcome">;
    executionDuration: Histogram<"journey">;
    wakeLag: Histogram;
  };
  readonly email: {
    messages: Counter<"status" | "provider" | "category">;
    providerDuration: Histogram<"provider" | "outcome">;
    providerErrors: Counter<"provider" | "kind">;
    webhookReceipts: Counter<"source" | "outcome">;
    outboxMessages: Gauge<"status">;
    outboxLag: Gauge;
  };
  readonly sync: {
    outboxMessages: Gauge<"status">;
  };
  /** PostHog person lookups for journey conditions (workers with POSTHOG_PERSONAL_API_KEY). */
  readonly personLookups: Counter<"outcome">;
  readonly workers: {
    live: Gauge;
  };
  /** The shared rate limiters (api): whether a limiter decides alone because Redis is away. */
  readonly rateLimits: {
    fallback: Gauge<"limiter">;
    fallbackDecisions: Counter<"limiter">;
  };
  /** The alert evaluator (workers) and the reputation guard's switch. */
  readonly alerts: {
    firing: Gauge<"rule">;
    notifications: Counter<"channel" | "outcome">;
    paused: Gauge;
  };
  readonly sampler: {
    lastSuccess: Gauge;
    failures: Counter;
  };
}

/** Request latency: from sub-millisecond health checks to a slow import. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Due → started: a healthy worker starts a run within a poll interval; minutes mean too few workers. */
const LAG_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600];
const EXECUTION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const PROVIDER_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

const MISNAMED_DEFAULTS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/** The outcomes of `hogsend_person_lookups_total`, one per user a routing batch needed a PostHog person for. */
export const PERSON_LOOKUP_OUTCOMES = [
  "cached",
  "found",
  "not_found",
  "failed",
  "timeout",
  "rate_limited",
] as const;

export function createMetrics(version: string, registry: Registry = new Registry()): HogsendMetrics {
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  const registers = [registry];
  const buildInfo = new Gauge({
    name: "hogsend_build_info",
    help: "Always 1; the running Hogsend version is its label",
    labelNames: ["version"] as const,
    registers,
  });
  buildInfo.set({ version }, 1);
  const personLookups = new Counter({
    name: "hogsend_person_lookups_total",
    help: "Users whose PostHog person properties a routing batch needed, by outcome (cached, found, not_found, failed, timeout, rate_limited)",
    labelNames: ["outcome"] as const,
    registers,
  });
  // Every outcome from the start (0 until POSTHOG_PERSONAL_API_KEY and a journey's meta.personLookup use it).
  for (const outcome of PERSON_LOOKUP_OUTCOMES) personLookups.inc({ outcome }, 0);
  return {
    registry,
    buildInfo,
    http: {
      requests: new Counter({
        name: "hogsend_http_requests_total",
        help: "HTTP requests answered by the api, by method, route template and status code",
        labelNames: ["method", "route", "status"] as const,
        registers,
      }),
      duration: new Histogram({
        name: "hogsend_http_request_duration_seconds",
        help: "Time from a request's arrival to its response, by method and route template",
        labelNames: ["method", "route"] as const,
        buckets: HTTP_BUCKETS,
        registers,
      }),
    },
    events: {
      ingested: new Counter({
        name: "hogsend_events_ingested_total",
        help: "Events stored (committed), by source (api, journey, webhook …)",
        labelNames: ["source"] as const,
        registers,
      }),
      duplicates: new Counter({
        name: "hogsend_events_duplicates_total",
        help: "Events acknowledged without a second write because their messageId was stored before",
        labelNames: ["source"] as const,
        registers,
      }),
      rejected: new Counter({
        name: "hogsend_events_rejected_total",
        help: "Events refused before storage, by source and reason (invalid, rate_limited, unauthorized)",
        labelNames: ["source", "reason"] as const,
        registers,
      }),
      routed: new Counter({
        name: "hogsend_events_routed_total",
        help: "Events routed (queue row consumed) by this worker's router",
        registers,
      }),
      deadLettered: new Counter({
        name: "hogsend_routing_dead_letters_total",
        help: "Events this worker moved to event_routing_failures after failing to route three times",
        registers,
      }),
      queueDepth: new Gauge({
        name: "hogsend_routing_queue_events",
        help: "Events stored but not yet routed (sampled)",
        registers,
      }),
      routingLag: new Gauge({
        name: "hogsend_routing_lag_seconds",
        help: "Age of the oldest event waiting to be routed; 0 when the queue is empty (sampled)",
        registers,
      }),
      deadLetters: new Gauge({
        name: "hogsend_routing_dead_letters",
        help: "Events currently in event_routing_failures, waiting for a requeue (sampled)",
        registers,
      }),
    },
    journeys: {
      runs: new Gauge({
        name: "hogsend_journey_runs",
        help: "Live journey runs by journey and status (active, waiting); terminal outcomes are counted by hogsend_journey_executions_total (sampled)",
        labelNames: ["journey", "status"] as const,
        registers,
      }),
      executions: new Counter({
        name: "hogsend_journey_executions_total",
        help: "Executions (replays) of journey runs by outcome: completed, suspended, retrying, failed, aborted",
        labelNames: ["journey", "outcome"] as const,
        registers,
      }),
      executionDuration: new Histogram({
        name: "hogsend_journey_execution_duration_seconds",
        help: "Wall time of one execution of a run, from its start to its settlement",
        labelNames: ["journey"] as const,
        buckets: EXECUTION_BUCKETS,
        registers,
      }),
      wakeLag: new Histogram({
        name: "hogsend_journey_wake_lag_seconds",
        help: "Delay between a run's due time (a sleep's wake, a retry, an event) and a worker starting it",
        buckets: LAG_BUCKETS,
        registers,
      }),
    },
    email: {
      messages: new Counter({
        name: "hogsend_email_messages_total",
        help: "Outbox messages settled by delivery, by status (sent, retried, failed, suppressed, skipped), provider and category",
        labelNames: ["status", "provider", "category"] as const,
        registers,
      }),
      providerDuration: new Histogram({
        name: "hogsend_email_provider_request_duration_seconds",
        help: "Duration of calls to the email provider, by provider and outcome (ok, retryable, permanent, threw)",
        labelNames: ["provider", "outcome"] as const,
        buckets: PROVIDER_BUCKETS,
        registers,
      }),
      providerErrors: new Counter({
        name: "hogsend_email_provider_errors_total",
        help: "Email provider calls that did not accept the message, by provider and kind (retryable, permanent, threw)",
        labelNames: ["provider", "kind"] as const,
        registers,
      }),
      webhookReceipts: new Counter({
        name: "hogsend_webhook_receipts_total",
        help: "Provider webhook deliveries received, by source and outcome (processed, duplicate, ignored, rejected, unauthorized)",
        labelNames: ["source", "outcome"] as const,
        registers,
      }),
      outboxMessages: new Gauge({
        name: "hogsend_outbox_messages",
        help: "Outbox messages not yet settled, by status (queued, sending) (sampled)",
        labelNames: ["status"] as const,
        registers,
      }),
      outboxLag: new Gauge({
        name: "hogsend_outbox_lag_seconds",
        help: "How long the most overdue queued message has been due; 0 when none is overdue (sampled)",
        registers,
      }),
    },
    sync: {
      outboxMessages: new Gauge({
        name: "hogsend_sync_outbox_messages",
        help: "Engagement events waiting in the sync outbox, by status (pending, dead) (sampled)",
        labelNames: ["status"] as const,
        registers,
      }),
    },
    personLookups,
    workers: {
      live: new Gauge({
        name: "hogsend_workers_live",
        help: "Worker processes whose heartbeat is fresh (sampled)",
        registers,
      }),
    },
    rateLimits: {
      fallback: new Gauge({
        name: "hogsend_rate_limit_fallback",
        help: "1 while this process limits on its own because Redis is unreachable (REDIS_URL set), else 0",
        labelNames: ["limiter"] as const,
        registers,
      }),
      fallbackDecisions: new Counter({
        name: "hogsend_rate_limit_fallback_decisions_total",
        help: "Rate limit decisions this process made alone because Redis was unreachable",
        labelNames: ["limiter"] as const,
        registers,
      }),
    },
    alerts: {
      firing: new Gauge({
        name: "hogsend_alerts_firing",
        help: "Alert rules this evaluator last judged firing: 0 ok, 1 warning, 2 critical (the evaluating worker only)",
        labelNames: ["rule"] as const,
        registers,
      }),
      notifications: new Counter({
        name: "hogsend_alert_notifications_total",
        help: "Alert notification attempts by channel and outcome (sent, retry, failed)",
        labelNames: ["channel", "outcome"] as const,
        registers,
      }),
      paused: new Gauge({
        name: "hogsend_sending_paused",
        help: "1 while the reputation guard holds non-transactional mail (read by every worker each alert interval)",
        registers,
      }),
    },
    sampler: {
      lastSuccess: new Gauge({
        name: "hogsend_metrics_sample_timestamp_seconds",
        help: "Unix time of this process's last successful sample of the database gauges",
        registers,
      }),
      failures: new Counter({
        name: "hogsend_metrics_sample_failures_total",
        help: "Samples of the database gauges that failed (the gauges keep their last values)",
        registers,
      }),
    },
  };
}
