import { useMemo } from "react";
import { formatNumber } from "../lib/format";

const COLORS = ["#f2600c", "#0ea5e9", "#10b981", "#8b5cf6", "#f59e0b", "#ef4444", "#64748b"];

/** Stacked bars per day by category: plain SVG, no chart library. */
export function SendsChart({ rows }: { rows: Array<{ day: string; category: string; count: number }> }) {
  const { days, categories, max, byDay } = useMemo(() => {
    const byDay = new Map<string, Map<string, number>>();
    const categories = new Set<string>();
    for (const row of rows) {
      categories.add(row.category);
      const key = row.day.slice(0, 10);
      const day = byDay.get(key) ?? new Map<string, number>();
      day.set(row.category, (day.get(row.category) ?? 0) + row.count);
      byDay.set(key, day);
    }
    // Always the last 30 days (UTC), so a quiet month shows as gaps rather than a few very wide bars.
    const last = new Date(
      `${[...byDay.keys()].sort().at(-1) ?? new Date().toISOString().slice(0, 10)}T00:00:00Z`,
    );
    const today = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    const end = Math.max(last.getTime(), today.getTime());
    const days = Array.from({ length: 30 }, (_, i) =>
      new Date(end - (29 - i) * 86_400_000).toISOString().slice(0, 10),
    );
    const max = Math.max(
      1,
      ...days.map((d) => [...(byDay.get(d)?.values() ?? [])].reduce((a, b) => a + b, 0)),
    );
    return { days, categories: [...categories].sort(), max, byDay };
  }, [rows]);
  const width = 720;
  const height = 180;
  const bar = width / Math.max(days.length, 1);
  return (
    <div className="p-4">
      <svg
        viewBox={`0 0 ${width} ${height + 20}`}
        className="h-52 w-full"
        role="img"
        aria-label="Sends per day"
      >
        {days.map((day, i) => {
          let y = height;
          const counts = byDay.get(day);
          return (
            <g key={day}>
              {categories.map((category, c) => {
                const n = counts?.get(category) ?? 0;
                const h = (n / max) * height;
                y -= h;
                return (
                  <rect
                    key={category}
                    x={i * bar + 2}
                    y={y}
                    width={Math.max(bar - 4, 1)}
                    height={h}
                    fill={COLORS[c % COLORS.length]}
                  >
                    <title>{`${day} · ${category}: ${formatNumber(n)}`}</title>
                  </rect>
                );
              })}
              {i % Math.ceil(days.length / 8) === 0 ? (
                <text x={i * bar + bar / 2} y={height + 14} fontSize="10" textAnchor="middle" fill="#71717a">
                  {day.slice(5, 10)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <div className="mt-2 flex flex-wrap gap-3 text-xs text-zinc-600">
        {categories.map((category, c) => (
          <span key={category} className="flex items-center gap-1">
            <span
              className="inline-block size-2.5 rounded-sm"
              style={{ background: COLORS[c % COLORS.length] }}
            />
            {category}
          </span>
        ))}
        <span className="ml-auto text-zinc-400">peak {formatNumber(max)} / day</span>
      </div>
    </div>
  );
}
