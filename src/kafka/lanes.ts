/** FNV-1a, 32 bits: cheap, and the same lane for the same key in every run. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * `items` in at most `lanes` groups by their `keys` (one per item): items of the same key share a
 * group, in their order. Empty groups are left out; one group when `lanes` is 1.
 */
export function splitIntoLanes<T>(items: readonly T[], keys: readonly string[], lanes: number): T[][] {
  if (lanes <= 1 || items.length < 2) return [[...items]];
  const groups: T[][] = Array.from({ length: lanes }, () => []);
  items.forEach((item, i) => groups[hash(keys[i]) % lanes].push(item));
  return groups.filter((g) => g.length > 0);
}
