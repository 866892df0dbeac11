import fc from 'fast-check';
import { decodeMarker, encodeMarker } from './marker.js';

describe('relay marker', () => {
  it('names exactly the ids it was given, as ranges', () => {
    const { metadata, count } = encodeMarker('host/1/ab', 1767000000000, ['1', '2', '3', '5', '7', '8']);
    expect(metadata).toBe('v1|host/1/ab|1767000000000|1-3,5,7-8');
    expect(count).toBe(6);
    const m = decodeMarker(metadata)!;
    expect(m.instance).toBe('host/1/ab');
    expect(m.at).toBe(1767000000000);
    expect(['1', '2', '3', '5', '7', '8'].every(m.has)).toBe(true);
    expect(['0', '4', '6', '9'].some(m.has)).toBe(false);
  });

  it('covers only the prefix of the ids that fits', () => {
    const ids = Array.from({ length: 50 }, (_, i) => String(i * 2));
    const { metadata, count } = encodeMarker('i', 1, ids, 40);
    expect(metadata.length).toBeLessThanOrEqual(40);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(50);
    const m = decodeMarker(metadata)!;
    expect(ids.slice(0, count).every(m.has)).toBe(true);
    expect(ids.slice(count).some(m.has)).toBe(false);
  });

  it('reads nothing from foreign or empty metadata', () => {
    expect(decodeMarker(null)).toBeNull();
    expect(decodeMarker('')).toBeNull();
    expect(decodeMarker('something else')).toBeNull();
    expect(decodeMarker(encodeMarker('a|b', 1, []).metadata)!.has('1')).toBe(false);
  });

  it('round-trips any ascending id set within the length limit', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.bigInt({ min: 1n, max: 10n ** 15n }), { maxLength: 300 }), (raw) => {
        const ids = [...raw].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
        const { metadata, count } = encodeMarker('x', 1, ids, 3000);
        expect(metadata.length).toBeLessThanOrEqual(3000);
        const m = decodeMarker(metadata)!;
        ids.forEach((id, i) => expect(m.has(id)).toBe(i < count));
      }),
    );
  });
});
