const dateTime = new Intl.DateTimeFormat("en-GB", {
  dateStyle: "medium",
  timeStyle: "medium",
});
const number = new Intl.NumberFormat("en-US");

export function formatDate(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : dateTime.format(date);
}

/** "in 5 min", "3 h ago": for next wakes and recent activity. */
export function relative(value: string | null | undefined, now = Date.now()): string {
  if (!value) return "—";
  const ms = new Date(value).getTime() - now;
  const abs = Math.abs(ms);
  const units: Array<[number, string]> = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "min"],
    [1000, "s"],
  ];
  for (const [size, unit] of units) {
    if (abs >= size) {
      const n = Math.round(abs / size);
      return ms >= 0 ? `in ${n} ${unit}` : `${n} ${unit} ago`;
    }
  }
  return "now";
}

export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : number.format(value);
}

export function formatPercent(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(digits)} %`;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
