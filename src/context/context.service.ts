import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AGGREGATES, ENTITIES, ENTITY_NAMES, type FieldSpec } from '../contracts/entities.js';
import { derive } from '../engine/conditions.js';
import type { ParticipantContext } from '../engine/types.js';
import { readTogether } from '../database/read-batch.js';
import { ContextRepository } from './context.repository.js';
import { visibleFields } from './projection.js';

const contextCacheKey = (userId: string) => `context:${userId}`;

const iso = (t: unknown) => (typeof t === 'number' ? new Date(t).toISOString() : null);

/** The context rules see for a participant, cached for five minutes and dropped on every ingest. */
@Injectable()
export class ContextService {
  constructor(
    private readonly db: DataSource,
    private readonly repo: ContextRepository,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async get(userId: string): Promise<{ context: ParticipantContext; known: boolean }> {
    const key = contextCacheKey(userId);
    const cached = await this.cache.get<{ context: ParticipantContext; known: boolean }>(key);
    if (cached) return cached;
    const [loaded] = await readTogether(this.db.manager, (r) => [this.repo.loadParticipants(r, [userId])]);
    const p = loaded.get(userId)!;
    const value = { context: p.context, known: p.known };
    await this.cache.set(key, value, this.config.contextCacheTtlMs);
    return value;
  }

  /** Drops the cached contexts of participants whose records or state changed. */
  async forget(userIds: Iterable<string>): Promise<void> {
    await Promise.all([...new Set(userIds)].map((u) => this.cache.del(contextCacheKey(u))));
  }

  /** Each entity's records and derived fields, as rules see them. */
  async describe(userId: string) {
    const { context, known } = await this.get(userId);
    const entities: Record<string, unknown> = {};
    for (const name of ENTITY_NAMES) {
      const records = [...(context.entities[name] ?? [])].sort((a, b) => b.occurredAt - a.occurredAt);
      const fields = ENTITIES[name].fields as Record<string, FieldSpec>;
      const derived: Record<string, unknown> = {
        count: records.length,
        last_activity: iso(derive(name, { kind: 'last_activity' }, records)),
      };
      for (const [field, spec] of Object.entries(fields)) {
        if (spec.type !== 'number') continue;
        for (const fn of AGGREGATES) derived[`${fn}_${field}`] = derive(name, { kind: 'aggregate', fn, field }, records) ?? null;
      }
      entities[name] = {
        records: records.map((r) => ({
          key: r.key,
          occurred_at: iso(r.occurredAt),
          ...visibleFields(r.fields as Record<string, unknown>),
        })),
        derived,
      };
    }
    return { userId, known, firstSeenAt: iso(context.firstSeenAt), entities };
  }
}
