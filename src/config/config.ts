/**
 * The service's configuration: read from the environment once, validated, typed.
 * Nothing else in the codebase reads process.env.
 */
import { resolve } from 'node:path';

export type Role = 'reader' | 'service' | 'admin';

export interface ApiKey {
  key: string;
  role: Role;
  /** Recorded as the author of the writes made with it. */
  name: string;
}

export interface AppConfig {
  nodeEnv: string;
  port: number;
  /** PostgreSQL URL; when absent the service runs an embedded PGlite. */
  databaseUrl?: string;
  /** Where the embedded database keeps its data; null keeps it in memory (JOURNEY_DATA_DIR=:memory:). */
  dataDir: string | null;
  /** API keys by role; empty when none are configured (open mode, refused in production). */
  apiKeys: ApiKey[];
  logLevel: string;
  rulesCacheTtlMs: number;
  contextCacheTtlMs: number;
  bodyLimit: string;
  /** Concurrent POST /journey/events requests share transactions (JOURNEY_INGEST_GROUP_COMMIT, default true). */
  ingestGroupCommit: boolean;
  kafka?: KafkaConfig;
  schedulerIntervalMs: number;
  reconcileIntervalMs: number;
  seedDir: string;
  /** Origins allowed by CORS (JOURNEY_CORS_ORIGINS, `*` for any); CORS is off when absent. */
  corsOrigins?: string[];
  /** Redis for the shared rules and context caches; without it each instance caches in memory. */
  redisUrl?: string;
  /** Prefix of the shared cache keys (instances of one deployment share it). */
  cacheNamespace: string;
  /** Requests per API key (or IP without one) per window; limit 0 turns throttling off. */
  rateLimit: { limit: number; ttlMs: number };
  /** GET /metrics without a key (JOURNEY_METRICS_PUBLIC, default true); false: reader key. */
  metricsPublic: boolean;
  /** Participants re-evaluated per transaction by a rule's backfill; 0 turns backfills off. */
  backfillBatchSize: number;
  /** /health/live fails while the event loop was blocked longer than this within the last ten times as long. */
  liveMaxStallMs: number;
  retention: RetentionConfig;
}

/** How long the tables that only grow keep their rows; a background job deletes older rows in batches. */
export interface RetentionConfig {
  /** Event log (also the dedupe: an id is a duplicate while its event is kept), by receipt (JOURNEY_EVENT_RETENTION_DAYS); also finished backfills. */
  eventDays: number;
  /** Published outbox rows, by publication (JOURNEY_OUTBOX_RETENTION_DAYS). */
  outboxDays: number;
  /** Flag history and milestones, the audit trail: kept for ever unless JOURNEY_HISTORY_RETENTION_DAYS is set. */
  historyDays: number | null;
  /** Between two runs of the job (JOURNEY_RETENTION_INTERVAL_MS); 0 turns it off. */
  intervalMs: number;
  /** Rows per delete statement (JOURNEY_RETENTION_BATCH_SIZE). */
  batchSize: number;
}

/** Kafka (KAFKA_BROKERS set): the consumer of the input topics and the outbox relay. */
export interface KafkaConfig {
  brokers: string[];
  groupId: string;
  clientId: string;
  /** Prefixes every topic consumed and published (JOURNEY_KAFKA_TOPIC_PREFIX): shared brokers, tests. */
  topicPrefix: string;
  /** Partitions of the topics the service creates when they are missing. */
  topicPartitions: number;
  /** At most this many events per ingest transaction; each partition at work brings a fair share of it. */
  chunkSize: number;
  /** Partitions processed at the same time by one instance (each serially, in offset order). */
  concurrency: number;
  /** Ingest transactions in flight at once, each about its own participants (JOURNEY_KAFKA_LANES; default 2 on PostgreSQL, 1 on the embedded database's one connection). */
  lanes: number;
  /** Pause of the outbox relay when it found nothing more to publish. */
  relayIntervalMs: number;
  /** Outbox rows per relay transaction. */
  relayBatchSize: number;
}

export class ConfigError extends Error {}

const ROLES: readonly Role[] = ['reader', 'service', 'admin'];

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name}: must be a non-negative integer, got "${raw}"`);
  return n;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = int(env, name, fallback);
  if (n < 1) throw new ConfigError(`${name}: must be a positive integer, got "${env[name]}"`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name}: must be true or false, got "${raw}"`);
  return raw === 'true';
}

/** A comma-separated list; undefined when it names nothing. */
function list(raw: string | undefined): string[] | undefined {
  const items = raw
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items?.length ? items : undefined;
}

/** A key's name: letters, digits and . _ @ - (up to 64). */
const KEY_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

/**
 * `role:KEY` or `role:name:KEY`, comma-separated. The name is what writes record as their author; an
 * unnamed key is named after its role. A key of the old form whose first colon-separated part looks
 * like a name is read as named: write it as `role:role:KEY` to keep it.
 */
export function parseApiKeys(raw: string | undefined): ApiKey[] {
  if (!raw?.trim()) return [];
  return raw.split(',').map((entry, i) => {
    const at = entry.indexOf(':');
    const role = entry.slice(0, at).trim() as Role;
    let rest = entry.slice(at + 1).trim();
    let name: string = role;
    const second = rest.indexOf(':');
    if (second > 0 && KEY_NAME.test(rest.slice(0, second))) {
      name = rest.slice(0, second);
      rest = rest.slice(second + 1).trim();
    }
    if (at < 0 || !ROLES.includes(role) || rest.length < 8) {
      throw new ConfigError(
        `JOURNEY_API_KEYS[${i}]: expected role:key or role:name:key with role in ${ROLES.join('|')} and a key of 8+ characters`,
      );
    }
    return { key: rest, role, name };
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const nodeEnv = env.NODE_ENV ?? 'development';
  const apiKeys = parseApiKeys(env.JOURNEY_API_KEYS);
  if (apiKeys.length === 0 && nodeEnv === 'production') {
    throw new ConfigError('JOURNEY_API_KEYS: required when NODE_ENV=production (e.g. "admin:KEY,service:KEY,reader:KEY")');
  }
  const brokers = env.KAFKA_BROKERS?.split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  return {
    nodeEnv,
    port: int(env, 'PORT', 3009),
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.JOURNEY_DATA_DIR === ':memory:' ? null : resolve(env.JOURNEY_DATA_DIR || '.data'),
    apiKeys,
    logLevel: env.LOG_LEVEL || 'info',
    rulesCacheTtlMs: int(env, 'JOURNEY_RULES_CACHE_TTL_MS', 60_000),
    contextCacheTtlMs: int(env, 'JOURNEY_CONTEXT_CACHE_TTL_MS', 300_000),
    bodyLimit: env.JOURNEY_BODY_LIMIT || '1mb',
    ingestGroupCommit: bool(env, 'JOURNEY_INGEST_GROUP_COMMIT', true),
    kafka: brokers?.length
      ? {
          brokers,
          groupId: env.JOURNEY_KAFKA_GROUP || 'journey-engine',
          clientId: env.JOURNEY_KAFKA_CLIENT_ID || 'journey-engine',
          topicPrefix: env.JOURNEY_KAFKA_TOPIC_PREFIX ?? '',
          topicPartitions: positive(env, 'KAFKA_TOPIC_PARTITIONS', 4),
          chunkSize: positive(env, 'JOURNEY_KAFKA_CHUNK_SIZE', 4000),
          concurrency: positive(env, 'JOURNEY_KAFKA_CONCURRENCY', 64),
          lanes: positive(env, 'JOURNEY_KAFKA_LANES', env.DATABASE_URL ? 2 : 1),
          relayIntervalMs: positive(env, 'JOURNEY_RELAY_INTERVAL_MS', 200),
          relayBatchSize: positive(env, 'JOURNEY_RELAY_BATCH_SIZE', 500),
        }
      : undefined,
    schedulerIntervalMs: int(env, 'JOURNEY_SCHEDULER_INTERVAL_MS', 1000),
    reconcileIntervalMs: int(env, 'JOURNEY_RECONCILE_INTERVAL_MS', 3_600_000),
    seedDir: resolve(env.JOURNEY_SEED_DIR || 'seeds'),
    corsOrigins: list(env.JOURNEY_CORS_ORIGINS),
    redisUrl: env.REDIS_URL || undefined,
    cacheNamespace: env.JOURNEY_CACHE_NAMESPACE || 'journey',
    rateLimit: { limit: int(env, 'JOURNEY_RATE_LIMIT', 600_000), ttlMs: positive(env, 'JOURNEY_RATE_TTL_MS', 60_000) },
    metricsPublic: bool(env, 'JOURNEY_METRICS_PUBLIC', true),
    backfillBatchSize: int(env, 'JOURNEY_BACKFILL_BATCH_SIZE', 1000),
    liveMaxStallMs: positive(env, 'JOURNEY_LIVE_MAX_STALL_MS', 5000),
    retention: {
      eventDays: positive(env, 'JOURNEY_EVENT_RETENTION_DAYS', 400),
      outboxDays: positive(env, 'JOURNEY_OUTBOX_RETENTION_DAYS', 7),
      historyDays: env.JOURNEY_HISTORY_RETENTION_DAYS ? positive(env, 'JOURNEY_HISTORY_RETENTION_DAYS', 1) : null,
      intervalMs: int(env, 'JOURNEY_RETENTION_INTERVAL_MS', 3_600_000),
      batchSize: positive(env, 'JOURNEY_RETENTION_BATCH_SIZE', 5000),
    },
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
