import { instantProblem } from './instant.js';

describe('instantProblem', () => {
  it.each([
    '2025-01-15T10:30:00Z',
    '2025-01-15T10:30:00.123Z',
    '2025-01-15T10:30:00.123456Z',
    '2025-01-15t10:30:00z',
    '2025-01-15T10:30:00+05:30',
    '2024-02-29T00:00:00Z',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
  ])('accepts %s', (value) => expect(instantProblem(value)).toBeUndefined());

  it.each([
    ['2025-01-15', 'must be a valid date-time'],
    ['2025-02-29T00:00:00Z', 'must be a valid date-time: 2025-02-29T00:00:00Z does not exist'],
    ['2025-01-15T24:00:00Z', 'must be a valid date-time: 2025-01-15T24:00:00Z does not exist'],
    ['2025-01-15T10:30:00+24:00', 'must be a valid date-time: its UTC offset is out of range'],
    ['2016-12-31T23:59:60Z', 'is a leap second (:60), which is not accepted: send :59.999 or the next second'],
    ['0001-01-01 00:00:00Z', "must separate the date and the time with a 'T' (e.g. 2025-01-15T10:30:00Z)"],
    ['0000-12-31T23:59:59Z', 'must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z (UTC)'],
    ['0001-01-01T00:00:00+01:00', 'must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z (UTC)'],
  ])('refuses %s: %s', (value, reason) => expect(instantProblem(value)).toBe(reason));
});
