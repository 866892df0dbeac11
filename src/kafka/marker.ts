/**
 * The relay marker: which outbox rows the last Kafka transaction published, by whom and when.
 *
 * Kafka and PostgreSQL cannot commit together. The relay commits the Kafka transaction first, then
 * marks the rows published in PostgreSQL; a crash between the two would publish the rows a second
 * time. So each Kafka transaction also commits this marker (as the metadata of a consumer-group
 * offset, `sendOffsets`), atomically with the events. The next relay reads it before sending: rows
 * it names that are still unpublished are already on Kafka and are only marked, never sent again.
 * Only the last transaction can be in that state, because one relay runs at a time and marks its
 * rows before it sends more.
 *
 * Format: `v1|<instance>|<epoch ms>|<id ranges>`, e.g. `v1|host/42/ab12|1767000000000|1-500,502`.
 */
export interface RelayMarker {
  instance: string;
  at: number;
  /** Inclusive id ranges. */
  ranges: (readonly [bigint, bigint])[];
  has(id: string): boolean;
}

/** Kafka keeps at most 4096 bytes of offset metadata by default (offset.metadata.max.bytes). */
export const MARKER_MAX_LENGTH = 3000;

/** Encodes as many of `ids` (ascending) as fit; `count` is how many of them the marker covers. */
export function encodeMarker(
  instance: string,
  at: number,
  ids: readonly string[],
  maxLength = MARKER_MAX_LENGTH,
): { metadata: string; count: number } {
  const head = `v1|${instance.replace(/[|]/g, '_')}|${at}|`;
  const ranges: [bigint, bigint][] = [];
  let length = head.length;
  let count = 0;
  for (const raw of ids) {
    const id = BigInt(raw);
    const last = ranges[ranges.length - 1];
    if (last && id === last[1] + 1n) {
      const grown = rangeText(last[0], id).length - rangeText(last[0], last[1]).length;
      if (length + grown > maxLength) break;
      last[1] = id;
      length += grown;
    } else {
      const added = (ranges.length ? 1 : 0) + String(id).length;
      if (length + added > maxLength) break;
      ranges.push([id, id]);
      length += added;
    }
    count++;
  }
  return { metadata: head + ranges.map(([a, b]) => rangeText(a, b)).join(','), count };
}

export function decodeMarker(metadata: string | null | undefined): RelayMarker | null {
  const parts = metadata?.split('|');
  if (!parts || parts.length !== 4 || parts[0] !== 'v1') return null;
  const ranges = parts[3]
    ? parts[3].split(',').map((r) => {
        const [a, b = a] = r.split('-');
        return [BigInt(a), BigInt(b)] as const;
      })
    : [];
  return {
    instance: parts[1],
    at: Number(parts[2]),
    ranges,
    has: (id) => {
      const n = BigInt(id);
      return ranges.some(([a, b]) => n >= a && n <= b);
    },
  };
}

function rangeText(a: bigint, b: bigint): string {
  return a === b ? String(a) : `${a}-${b}`;
}
