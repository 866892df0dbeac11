import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type QueryDeepPartialEntity } from 'typeorm';
import type { RuleDocument } from '../contracts/rule.js';
import { RuleEntity, RuleVersionEntity } from './rule.entity.js';

export interface StoredRule {
  doc: RuleDocument;
  active: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface RuleVersion {
  version: number;
  doc: RuleDocument;
  createdBy: string;
  createdAt: Date;
}

const toStored = (r: RuleEntity): StoredRule => ({
  doc: { ...r.ruleConfig, active: r.active },
  active: r.active,
  version: r.version,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

const toVersion = (r: RuleVersionEntity): RuleVersion => ({
  version: r.version,
  doc: r.ruleConfig,
  createdBy: r.createdBy,
  createdAt: r.createdAt,
});

/** Precedence: descending priority, ties by id (the engine orders the same way). */
const ORDER = { priority: 'DESC', ruleId: 'ASC' } as const;

/** The document as a jsonb value (TypeORM's partial type does not follow the document's open `payload` records). */
const asJson = (doc: RuleDocument) => doc as QueryDeepPartialEntity<RuleDocument>;

/** The columns of a rule that its document decides. */
const fromDoc = (doc: RuleDocument) => ({
  name: doc.name,
  description: doc.description ?? null,
  ruleConfig: asJson(doc),
  active: doc.active ?? true,
  priority: doc.priority,
});

@Injectable()
export class RulesRepository {
  constructor(private readonly db: DataSource) {}

  async findAllOrdered(): Promise<StoredRule[]> {
    return (await this.db.getRepository(RuleEntity).find({ order: ORDER })).map(toStored);
  }

  async findActiveOrdered(): Promise<StoredRule[]> {
    return (await this.db.getRepository(RuleEntity).find({ where: { active: true }, order: ORDER })).map(toStored);
  }

  async findById(ruleId: string, tx: EntityManager | DataSource = this.db): Promise<StoredRule | undefined> {
    const row = await tx.getRepository(RuleEntity).findOneBy({ ruleId });
    return row ? toStored(row) : undefined;
  }

  async lockById(tx: EntityManager, ruleId: string): Promise<StoredRule | undefined> {
    const row = await tx.getRepository(RuleEntity).findOne({ where: { ruleId }, lock: { mode: 'pessimistic_write' } });
    return row ? toStored(row) : undefined;
  }

  /** Inserts a new rule at version 1 (or after its last recorded version); undefined when the id exists. */
  async insert(tx: EntityManager, doc: RuleDocument, createdBy: string): Promise<StoredRule | undefined> {
    const { last } = (await tx
      .getRepository(RuleVersionEntity)
      .createQueryBuilder('v')
      .select('MAX(v.version)', 'last')
      .where('v.rule_id = :ruleId', { ruleId: doc.id })
      .getRawOne<{ last: number | null }>())!;
    const version = (last ?? 0) + 1;
    const inserted = await tx
      .createQueryBuilder()
      .insert()
      .into(RuleEntity)
      .values({ ruleId: doc.id, version, ...fromDoc(doc) })
      .orIgnore()
      .execute();
    if ((inserted.raw as unknown[]).length === 0) return undefined;
    await this.recordVersion(tx, doc, version, createdBy);
    return toStored(await tx.getRepository(RuleEntity).findOneByOrFail({ ruleId: doc.id }));
  }

  async update(tx: EntityManager, doc: RuleDocument, createdBy: string): Promise<StoredRule> {
    const rules = tx.getRepository(RuleEntity);
    await rules.update({ ruleId: doc.id }, { ...fromDoc(doc), version: () => 'version + 1', updatedAt: () => 'now()' });
    const row = await rules.findOneByOrFail({ ruleId: doc.id });
    await this.recordVersion(tx, doc, row.version, createdBy);
    return toStored(row);
  }

  async delete(ruleId: string): Promise<boolean> {
    const { affected } = await this.db.getRepository(RuleEntity).delete({ ruleId });
    return (affected ?? 0) > 0;
  }

  /** Ids that ever existed (versions outlive deleted rules): seeds never resurrect a deleted rule. */
  async knownIds(tx: EntityManager | DataSource = this.db): Promise<Set<string>> {
    const rows = await tx
      .getRepository(RuleVersionEntity)
      .createQueryBuilder('v')
      .select('DISTINCT v.rule_id', 'rule_id')
      .getRawMany<{ rule_id: string }>();
    return new Set(rows.map((r) => r.rule_id));
  }

  async findVersions(ruleId: string): Promise<RuleVersion[]> {
    return (await this.db.getRepository(RuleVersionEntity).find({ where: { ruleId }, order: { version: 'ASC' } })).map(toVersion);
  }

  async findVersion(ruleId: string, version: number): Promise<RuleVersion | undefined> {
    const row = await this.db.getRepository(RuleVersionEntity).findOneBy({ ruleId, version });
    return row ? toVersion(row) : undefined;
  }

  private async recordVersion(tx: EntityManager, doc: RuleDocument, version: number, createdBy: string): Promise<void> {
    await tx.getRepository(RuleVersionEntity).insert({ ruleId: doc.id, version, ruleConfig: asJson(doc), createdBy });
  }
}
