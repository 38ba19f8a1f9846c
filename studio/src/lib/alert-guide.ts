import { formatNumber } from "./format";

// What each of the server's alert rules (src/alerts/alert-rules.ts) measures, how to read its value, and what to do
// when it fires. The server sends the rule's id, value and threshold; the words are Studio's.

type Unit = "percent" | "count" | "seconds" | "hours" | "held";

export interface AlertGuide {
  label: string;
  means: string;
  todo: string;
  unit: Unit;
}

const GUIDES: Record<string, AlertGuide> = {
  complaint_rate: {
    label: "Complaint rate",
    means:
      "Spam reports per email sent in the window. Gmail and Yahoo throttle bulk senders above 0.1 % and block them near 0.3 %.",
    todo: "Find what drew the complaints (Messages, status complained): stop that journey or broadcast, check its audience and that unsubscribing is one click. At critical the reputation guard pauses non-transactional sending.",
    unit: "percent",
  },
  bounce_rate: {
    label: "Hard bounce rate",
    means: "Hard bounces (addresses that do not exist) per email sent in the window: a stale or bought list.",
    todo: "Check where the addresses came from (a recent import or broadcast audience); bounced addresses are suppressed already. At critical the reputation guard pauses non-transactional sending.",
    unit: "percent",
  },
  provider_error_rate: {
    label: "Provider error rate",
    means: "Emails that failed for good (the provider refused them or retries ran out) per email attempted.",
    todo: "Open a failed message in Messages for the provider's error: usually the API key, an unverified sending domain or a rate limit.",
    unit: "percent",
  },
  failed_runs: {
    label: "Failed journey runs",
    means: "Journey runs that failed in the window (their code threw after its retries).",
    todo: "Open the journey's failed runs and read the error in the run inspector; fix the code, deploy, and retry the runs.",
    unit: "count",
  },
  stranded_runs: {
    label: "Stranded runs",
    means:
      "Runs due for longer than the limit and claimed by no worker: no worker is running, or all are stuck.",
    todo: "Check that a worker (`hogsend worker`) is up and reaches this database; Overview lists the workers heard from.",
    unit: "count",
  },
  routing_dead_letters: {
    label: "Routing dead letters",
    means: "Events routing gave up on after its retries: they started or woke no journey.",
    todo: "Read their errors in Events → Routing dead letters, fix the cause, then requeue them there.",
    unit: "count",
  },
  routing_lag: {
    label: "Routing lag",
    means: "Age of the oldest event waiting to be routed to journeys.",
    todo: "Check that workers are running and keeping up; add workers or raise their concurrency.",
    unit: "seconds",
  },
  outbox_lag: {
    label: "Outbox lag",
    means: "Age of the oldest due email still queued (mail held by a sending pause does not count).",
    todo: "Check that a worker is running and the provider accepts mail; retries and provider errors show in Messages.",
    unit: "seconds",
  },
  webhooks_silent: {
    label: "Provider webhooks silent",
    means:
      "No delivery webhook from the email provider for hours while mail is being sent: bounces and complaints go unseen.",
    todo: "Point the provider's webhook at /v1/webhooks/resend (or /postmark) and check its signing secret.",
    unit: "hours",
  },
  reputation_guard: {
    label: "Reputation guard",
    means:
      "Non-transactional sending is paused because complaints or hard bounces reached critical; the value is the mail held.",
    todo: "Fix the cause first (see the complaint and bounce alerts), then resume sending above. The guard resumes on its own once both rates stay under warning for an hour.",
    unit: "held",
  },
};

/** The rule's guide; a rule this Studio does not know (a newer server) gets its id and the server's summary only. */
export function alertGuide(rule: string): AlertGuide {
  return GUIDES[rule] ?? { label: rule, means: "", todo: "", unit: "count" };
}

/** A rule's value (or threshold) in its unit: `0.45 %`, `312 s`, `7.5 h`. */
export function formatAlertValue(rule: string, value: number | null): string {
  if (value === null) return "—";
  switch (alertGuide(rule).unit) {
    case "percent":
      return `${Number(value.toFixed(3))} %`;
    case "seconds":
      return `${formatNumber(Math.round(value))} s`;
    case "hours":
      return value < 0 ? "never" : `${value.toFixed(1)} h`;
    case "held":
      return `${formatNumber(value)} held`;
    case "count":
      return formatNumber(Math.round(value));
  }
}
