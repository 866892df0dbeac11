/**
 * The service's configuration: read from the environment once, validated, typed.
 * Nothing else in the codebase reads process.env.
 */
import { resolve } from 'node:path';

export type Role = 'reader' | 'service' | 'admin';

export interface AppConfig {
  nodeEnv: string;
  port: number;
  /** PostgreSQL URL; when absent the service runs an embedded PGlite. */
  databaseUrl?: string;
  /** Where the embedded database keeps its data; null keeps it in memory (JOURNEY_DATA_DIR=:memory:). */
  dataDir: string | null;
  /** API keys by role; empty when none are configured (open mode, refused in production). */
  apiKeys: { key: string; role: Role }[];
  logLevel: string;
  rulesCacheTtlMs: number;
  contextCacheTtlMs: number;
  bodyLimit: string;
  kafka?: { brokers: string[]; groupId: string; clientId: string };
  schedulerIntervalMs: number;
  reconcileIntervalMs: number;
  seedDir: string;
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

export function parseApiKeys(raw: string | undefined): { key: string; role: Role }[] {
  if (!raw?.trim()) return [];
  return raw.split(',').map((pair, i) => {
    const at = pair.indexOf(':');
    const role = pair.slice(0, at).trim() as Role;
    const key = pair.slice(at + 1).trim();
    if (at < 0 || !ROLES.includes(role) || key.length < 8) {
      throw new ConfigError(`JOURNEY_API_KEYS[${i}]: expected role:key with role in ${ROLES.join('|')} and a key of 8+ characters`);
    }
    return { key, role };
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
    kafka: brokers?.length
      ? { brokers, groupId: env.JOURNEY_KAFKA_GROUP || 'journey-engine', clientId: env.JOURNEY_KAFKA_CLIENT_ID || 'journey-engine' }
      : undefined,
    schedulerIntervalMs: int(env, 'JOURNEY_SCHEDULER_INTERVAL_MS', 1000),
    reconcileIntervalMs: int(env, 'JOURNEY_RECONCILE_INTERVAL_MS', 3_600_000),
    seedDir: resolve(env.JOURNEY_SEED_DIR || 'seeds'),
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
