import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['1 second', 1_000],
    ['90 seconds', 90_000],
    ['5 minutes', 300_000],
    ['2 hours', 7_200_000],
    ['14 days', 14 * 86_400_000],
    ['1 week', 7 * 86_400_000],
    ['3 months', 90 * 86_400_000],
    [' 1 day ', 86_400_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '0 days', '14', 'days', '1 fortnight', '-1 day', '1.5 days'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });
});
