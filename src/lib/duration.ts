const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `"5s"`, `"2m"`, `"1h"`, `"250ms"`, `"1d"` → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a duration like 5s, 2m, 1h`);
  return Math.round(Number(match[1]) * (UNITS[match[2] as string] as number));
}

/** A comma-separated list of durations, e.g. `5s,30s,2m`. */
export function parseDurationList(text: string): number[] {
  return text.split(',').map(parseDuration);
}
