/**
 * The instants the contracts accept: RFC 3339 date-times that PostgreSQL's timestamptz and JavaScript's
 * Date both hold, and read alike.
 *
 * - Range: 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z, as a UTC instant (an offset may not carry
 *   it out). PostgreSQL has no year 0; JavaScript and PostgreSQL agree on every instant in between.
 * - A leap second (`23:59:60`) is refused, not normalised: JavaScript cannot represent it and PostgreSQL
 *   would turn it into the next minute, so the producer is told and chooses.
 * - Read the same by JavaScript as written: a space for the `T` is refused (JavaScript reads
 *   `0001-01-01 00:00:00Z` as the year 2001).
 * - Fractions beyond milliseconds are accepted; JavaScript keeps milliseconds.
 */
export const EARLIEST_INSTANT = '0001-01-01T00:00:00Z';
export const LATEST_INSTANT = '9999-12-31T23:59:59.999Z';
const MIN = Date.parse(EARLIEST_INSTANT);
const MAX = Date.parse(LATEST_INSTANT);

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})([Tt ])(\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;
const RANGE = `must be between ${EARLIEST_INSTANT} and ${LATEST_INSTANT} (UTC)`;

const daysIn = (year: number, month: number) =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/**
 * An instant the engine computes (an expiry, a due time) as one that can be stored, or null: past the
 * latest instant, "never" is what it means in practice (a rule's duration may reach far beyond it).
 */
export const storableOrNever = (ms: number): number | null => (ms <= MAX ? ms : null);

/** Whether a millisecond instant is in the accepted range. */
export const instantInRange = (ms: number) => Number.isFinite(ms) && ms >= MIN && ms <= MAX;

/** Why `value` is not an accepted date-time (as a reason after its path), or undefined when it is. */
export function instantProblem(value: string): string | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return 'must be a valid date-time';
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const second = Number(m[7]);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || Number(m[5]) > 23 || Number(m[6]) > 59 || second > 60)
    return `must be a valid date-time: ${value.slice(0, 40)} does not exist`;
  if (m[10] && (Number(m[11]) > 23 || Number(m[12]) > 59)) return 'must be a valid date-time: its UTC offset is out of range';
  if (second === 60) return 'is a leap second (:60), which is not accepted: send :59.999 or the next second';
  if (year === 0) return RANGE;
  const ms = Date.parse(value);
  // The same instant written the one way every parser reads alike; most values already are (a 'T',
  // at most milliseconds, 'Z' or an offset), and need no second reading.
  const written = m[4] === 'T' && (m[8]?.length ?? 0) <= 4 && m[9] !== 'z';
  const strict = written
    ? ms
    : Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[5]}:${m[6]}:${m[7]}${(m[8] ?? '').slice(0, 4)}${m[10] ? m[9] : 'Z'}`);
  if (ms !== strict) return "must separate the date and the time with a 'T' (e.g. 2025-01-15T10:30:00Z)";
  if (!instantInRange(ms)) return RANGE;
  return undefined;
}
