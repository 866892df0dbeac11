import { DURATION_PATTERN } from '../contracts/rule.js';

const UNIT_MS = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 30 * 86_400_000,
} as const;

const pattern = new RegExp(DURATION_PATTERN);

/** '14 days' → milliseconds. A month is 30 days. */
export function parseDuration(text: string): number {
  const m = pattern.exec(text);
  if (!m) throw new Error(`invalid duration "${text}"`);
  const n = Number(/\d+/.exec(text)![0]);
  return n * UNIT_MS[m[1] as keyof typeof UNIT_MS];
}
