import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope, EventType } from '../contracts/events.js';
import { ContextRepository, refKey, type RecordRef } from './context.repository.js';
import { project, type Owner, type RecordPatch } from './projection.js';

/** Records other events reach their participant through: a buddy match, a Kintell session. */
export type OwnerEntity = Extract<Owner, { via: string }>['via'];

/** Events that name a match's or a session's participant (the others reach it through the match or session). */
const DEFINES_OWNER: Partial<Record<EventType, OwnerEntity>> = {
  'buddy.match.created': 'buddy_matches',
  'buddy.match.ended': 'buddy_matches',
  'kintell.session.completed': 'kintell_sessions',
};

export interface Resolved {
  event: EventEnvelope;
  userId: string;
  patch: RecordPatch;
}

/**
 * Who owns a participant's match or session: the one home of that idea. Each event names its
 * participant directly (projection.ts) or through a match or session; those are looked up in the
 * read model, learnt from the events of the same batch, or waited for (pending events, released
 * when the match or session arrives).
 */
@Injectable()
export class OwnersService {
  constructor(private readonly repo: ContextRepository) {}

  /**
   * Advisory lock keys (`entity:key`) of the matches and sessions these events name or define. The
   * caller locks them (EventLogRepository.unseen) before `resolve`, so that a concurrent batch about
   * the same matches or sessions is serialised with this one and none is left waiting.
   */
  lockKeys(events: EventEnvelope[]): string[] {
    return events.flatMap((event) => {
      const { owner, patch } = project(event);
      const keys: string[] = [];
      if ('via' in owner) keys.push(`${owner.via}:${owner.key}`);
      const defines = DEFINES_OWNER[event.type];
      if (defines) keys.push(`${defines}:${patch.key}`);
      return keys;
    });
  }

  /**
   * The participant of each event, in the caller's transaction, with `lockKeys(events)` locked.
   * Events whose match or session is not known yet are stored as pending; earlier pending events that
   * this batch releases are resolved with it.
   */
  async resolve(tx: EntityManager, events: EventEnvelope[]): Promise<{ resolved: Resolved[]; pending: EventEnvelope[] }> {
    const projected = events.map((event) => ({ event, ...project(event) }));
    const viaRefs = projected.flatMap((p) => ('via' in p.owner ? [{ entity: p.owner.via, key: p.owner.key }] : []));
    const owners = await this.repo.findOwners(tx, viaRefs);
    const resolved: Resolved[] = [];
    const waiting: { event: EventEnvelope; waitFor: RecordRef }[] = [];
    let queue = projected;
    while (queue.length) {
      const released: RecordRef[] = [];
      for (const { event, owner, patch } of queue) {
        const userId = 'userId' in owner ? owner.userId : owners.get(refKey(owner.via, owner.key));
        if (!userId) {
          const o = owner as Extract<Owner, { via: string }>;
          waiting.push({ event, waitFor: { entity: o.via, key: o.key } });
          continue;
        }
        resolved.push({ event, userId, patch });
        const defines = DEFINES_OWNER[event.type];
        if (defines && !owners.has(refKey(defines, patch.key))) {
          owners.set(refKey(defines, patch.key), userId);
          released.push({ entity: defines, key: patch.key });
        }
      }
      // Events waiting for a match or session that just arrived (in an earlier batch or this one).
      const stillWaiting = waiting.filter((w) => !owners.has(refKey(w.waitFor.entity, w.waitFor.key)));
      const ready = waiting.filter((w) => owners.has(refKey(w.waitFor.entity, w.waitFor.key))).map((w) => w.event);
      waiting.length = 0;
      waiting.push(...stillWaiting);
      const stored = await this.repo.takePending(tx, released);
      queue = [...ready, ...stored].map((event) => ({ event, ...project(event) }));
    }
    await this.repo.addPending(tx, waiting);
    return { resolved, pending: waiting.map((w) => w.event) };
  }
}

/**
 * Whose an event is, as far as the events seen so far tell without the database: its participant,
 * or the owner of its match or session learnt from the event that defined it (the most recent
 * `limit` of them). Only a hint for keeping concurrent transactions apart: a wrong or missing one
 * costs a lock wait, never a wrong result.
 */
export class OwnerHints {
  private readonly owners = new Map<string, string>();

  constructor(private readonly limit = 50_000) {}

  /** The participant key of each event: owners defined anywhere among them count for all of them. */
  keysOf(events: EventEnvelope[]): string[] {
    const projected = events.map((event) => ({ type: event.type, ...project(event) }));
    for (const { type, owner, patch } of projected) {
      const defines = DEFINES_OWNER[type];
      if (defines && 'userId' in owner) this.learn(refKey(defines, patch.key), owner.userId);
    }
    return projected.map(({ owner }) => {
      if ('userId' in owner) return owner.userId;
      const ref = refKey(owner.via, owner.key);
      return this.owners.get(ref) ?? ref;
    });
  }

  private learn(ref: string, userId: string): void {
    if (this.owners.has(ref)) return;
    if (this.owners.size >= this.limit) this.owners.delete(this.owners.keys().next().value!);
    this.owners.set(ref, userId);
  }
}
