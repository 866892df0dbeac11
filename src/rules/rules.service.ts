import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { Subject } from 'rxjs';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { RuleDocument } from '../contracts/rule.js';
import { validateRule, type Problem } from '../contracts/validation.js';
import { conflict, invalid, notFound } from '../common/errors.js';
import { compileRule, RuleSet } from '../engine/evaluate.js';
import { RulesRepository, type RuleVersion, type StoredRule } from './rules.repository.js';

const ACTIVE_KEY = 'rules:active';

export interface RuleChange {
  ruleId: string;
  kind: 'created' | 'updated' | 'activated' | 'deactivated' | 'deleted';
}

/** Rule administration, and the active rule set the engine runs (cached, compiled once per change). */
@Injectable()
export class RulesService {
  private readonly logger = new Logger(RulesService.name);
  /** Every rule change, for listeners that recompute schedules or backfill. */
  readonly changes$ = new Subject<RuleChange>();
  private compiled: { signature: string; set: RuleSet } | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly rules: RulesRepository,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  list(): Promise<StoredRule[]> {
    return this.rules.findAllOrdered();
  }

  async get(ruleId: string): Promise<StoredRule> {
    const rule = await this.rules.findById(ruleId);
    if (!rule) throw notFound(`rule ${ruleId} does not exist`);
    return rule;
  }

  async create(input: unknown, by: string): Promise<{ rule: StoredRule; warnings: Problem[] }> {
    const doc = this.validOrThrow(input);
    const rule = await this.db.transaction((tx) => this.rules.insert(tx, doc, by));
    if (!rule) throw conflict(`rule ${doc.id} already exists`);
    await this.changed({ ruleId: doc.id, kind: 'created' });
    return { rule, warnings: await this.warningsFor(doc) };
  }

  /** A partial update, validated as a whole after merging; a field given as null is removed (JSON merge patch). */
  async update(ruleId: string, patch: unknown, by: string): Promise<{ rule: StoredRule; warnings: Problem[] }> {
    if (!patch || typeof patch !== 'object' || Array.isArray(patch))
      throw invalid('the body must be a JSON object', [{ path: '', reason: 'must be an object' }]);
    const p = patch as Record<string, unknown>;
    if (p.id !== undefined && p.id !== ruleId)
      throw invalid('the rule id cannot change', [{ path: 'id', reason: `must be ${ruleId} (the id in the path)` }]);
    const rule = await this.db.transaction(async (tx) => {
      const existing = await this.rules.lockById(tx, ruleId);
      if (!existing) throw notFound(`rule ${ruleId} does not exist`);
      const merged = Object.entries({ ...existing.doc, ...p, id: ruleId }).filter(([, v]) => v !== null);
      return this.rules.update(tx, this.validOrThrow(Object.fromEntries(merged)), by);
    });
    await this.changed({ ruleId, kind: 'updated' });
    return { rule, warnings: await this.warningsFor(rule.doc) };
  }

  async setActive(ruleId: string, active: boolean, by: string): Promise<StoredRule> {
    const { rule, changed } = await this.db.transaction(async (tx) => {
      const existing = await this.rules.lockById(tx, ruleId);
      if (!existing) throw notFound(`rule ${ruleId} does not exist`);
      if (existing.active === active) return { rule: existing, changed: false };
      return { rule: await this.rules.update(tx, { ...existing.doc, active }, by), changed: true };
    });
    // Activating an active rule changes nothing: no new version, no backfill.
    if (changed) await this.changed({ ruleId, kind: active ? 'activated' : 'deactivated' });
    return rule;
  }

  /** Every stored version of a rule, oldest first; they outlive the rule's deletion. */
  async versions(ruleId: string): Promise<RuleVersion[]> {
    const versions = await this.rules.findVersions(ruleId);
    if (versions.length === 0) throw notFound(`rule ${ruleId} does not exist`);
    return versions;
  }

  /**
   * Makes an earlier version's document current, as a new version (a deleted rule comes back).
   * The old document is validated again: the rule language may have grown stricter since.
   */
  async rollback(ruleId: string, version: number, by: string): Promise<{ rule: StoredRule; warnings: Problem[] }> {
    // Read before the transaction: versions never change, and the embedded database has one connection.
    const old = await this.rules.findVersion(ruleId, version);
    if (!old) throw notFound(`rule ${ruleId} has no version ${version}`);
    const doc = this.validOrThrow({ ...old.doc, id: ruleId });
    const { rule, kind } = await this.db.transaction(async (tx) => {
      if (await this.rules.lockById(tx, ruleId)) return { rule: await this.rules.update(tx, doc, by), kind: 'updated' as const };
      const restored = await this.rules.insert(tx, doc, by);
      if (!restored) throw conflict(`rule ${ruleId} was created meanwhile; try again`);
      return { rule: restored, kind: 'created' as const };
    });
    this.logger.log(`rule ${ruleId} rolled back to version ${version} as version ${rule.version} by ${by}`);
    await this.changed({ ruleId, kind });
    return { rule, warnings: await this.warningsFor(rule.doc) };
  }

  async remove(ruleId: string): Promise<void> {
    if (!(await this.rules.delete(ruleId))) throw notFound(`rule ${ruleId} does not exist`);
    await this.changed({ ruleId, kind: 'deleted' });
  }

  /** Loads rule documents that never existed here (an admin's edit or deletion is never undone). */
  async seed(docs: RuleDocument[], by = 'seed'): Promise<string[]> {
    const loaded = await this.db.transaction(async (tx) => {
      const known = await this.rules.knownIds(tx);
      const added: string[] = [];
      for (const doc of docs) if (!known.has(doc.id) && (await this.rules.insert(tx, doc, by))) added.push(doc.id);
      return added;
    });
    if (loaded.length) {
      this.logger.log(`loaded default rules: ${loaded.join(', ')}`);
      for (const ruleId of loaded) await this.changed({ ruleId, kind: 'created' });
    }
    return loaded;
  }

  /** The active rules, compiled and ordered: cached for a minute, dropped at once on any change. */
  async activeRuleSet(): Promise<RuleSet> {
    let active = await this.cache.get<{ doc: RuleDocument; version: number }[]>(ACTIVE_KEY);
    if (!active) {
      active = (await this.rules.findActiveOrdered()).map((r) => ({ doc: r.doc, version: r.version }));
      await this.cache.set(ACTIVE_KEY, active, this.config.rulesCacheTtlMs);
    }
    const signature = active.map((r) => `${r.doc.id}@${r.version}`).join(',');
    if (this.compiled?.signature !== signature) {
      this.compiled = { signature, set: new RuleSet(active.map((r) => compileRule(r.doc, r.version))) };
    }
    return this.compiled.set;
  }

  private validOrThrow(input: unknown): RuleDocument {
    const result = validateRule(input);
    if (!result.ok) throw invalid('the rule is invalid', result.problems);
    return result.rule!;
  }

  /** Two active rules at the same priority setting the same flag to different values. */
  private async warningsFor(doc: RuleDocument): Promise<Problem[]> {
    const warnings = validateRule(doc).warnings;
    if (doc.active === false) return warnings;
    const mine = compileRule(doc);
    for (const other of (await this.activeRuleSet()).rules) {
      if (other.id === doc.id || other.priority !== doc.priority) continue;
      for (const [flag, action] of mine.flagActions) {
        const theirs = other.flagActions.get(flag);
        if (theirs && theirs.value !== action.value) {
          warnings.push({
            path: 'priority',
            reason: `rule ${other.id} has the same priority and sets ${flag} to ${theirs.value}; the order between them falls to their ids`,
          });
        }
      }
    }
    return warnings;
  }

  private async changed(change: RuleChange): Promise<void> {
    await this.cache.del(ACTIVE_KEY);
    this.changes$.next(change);
  }
}
