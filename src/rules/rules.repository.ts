import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RuleDocument } from '../contracts/rule.js';

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

interface RuleRow {
  rule_config: RuleDocument;
  active: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toStored = (r: RuleRow): StoredRule => ({
  doc: { ...r.rule_config, active: r.active },
  active: r.active,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const COLUMNS = 'rule_config, active, version, created_at, updated_at';

interface VersionRow {
  version: number;
  rule_config: RuleDocument;
  created_by: string;
  created_at: Date;
}

const toVersion = (r: VersionRow): RuleVersion => ({
  version: r.version,
  doc: r.rule_config,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

const VERSION_COLUMNS = 'version, rule_config, created_by, created_at';

@Injectable()
export class RulesRepository {
  constructor(private readonly db: DataSource) {}

  async findAllOrdered(): Promise<StoredRule[]> {
    const rows: RuleRow[] = await this.db.query(`SELECT ${COLUMNS} FROM journey_rules ORDER BY priority DESC, rule_id`);
    return rows.map(toStored);
  }

  async findActiveOrdered(): Promise<StoredRule[]> {
    const rows: RuleRow[] = await this.db.query(`SELECT ${COLUMNS} FROM journey_rules WHERE active ORDER BY priority DESC, rule_id`);
    return rows.map(toStored);
  }

  async findById(ruleId: string, tx: EntityManager | DataSource = this.db): Promise<StoredRule | undefined> {
    const rows: RuleRow[] = await tx.query(`SELECT ${COLUMNS} FROM journey_rules WHERE rule_id = $1`, [ruleId]);
    return rows[0] && toStored(rows[0]);
  }

  async lockById(tx: EntityManager, ruleId: string): Promise<StoredRule | undefined> {
    const rows: RuleRow[] = await tx.query(`SELECT ${COLUMNS} FROM journey_rules WHERE rule_id = $1 FOR UPDATE`, [ruleId]);
    return rows[0] && toStored(rows[0]);
  }

  /** Inserts a new rule at version 1 (or after its last recorded version); false when the id exists. */
  async insert(tx: EntityManager, doc: RuleDocument, createdBy: string): Promise<StoredRule | undefined> {
    const [{ next }]: { next: number }[] = await tx.query(
      `SELECT COALESCE(MAX(version), 0) + 1 AS next FROM journey_rule_versions WHERE rule_id = $1`,
      [doc.id],
    );
    const rows: RuleRow[] = await tx.query(
      `INSERT INTO journey_rules (rule_id, name, description, rule_config, active, priority, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (rule_id) DO NOTHING RETURNING ${COLUMNS}`,
      [doc.id, doc.name, doc.description ?? null, JSON.stringify(doc), doc.active ?? true, doc.priority, next],
    );
    if (!rows[0]) return undefined;
    await this.recordVersion(tx, doc, next, createdBy);
    return toStored(rows[0]);
  }

  async update(tx: EntityManager, doc: RuleDocument, createdBy: string): Promise<StoredRule> {
    const rows: RuleRow[] = await tx.query(
      `WITH u AS (
         UPDATE journey_rules SET name = $2, description = $3, rule_config = $4, active = $5, priority = $6,
           version = version + 1, updated_at = now()
         WHERE rule_id = $1 RETURNING ${COLUMNS}
       ) SELECT * FROM u`,
      [doc.id, doc.name, doc.description ?? null, JSON.stringify(doc), doc.active ?? true, doc.priority],
    );
    await this.recordVersion(tx, doc, rows[0].version, createdBy);
    return toStored(rows[0]);
  }

  async delete(ruleId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `WITH d AS (DELETE FROM journey_rules WHERE rule_id = $1 RETURNING rule_id) SELECT rule_id FROM d`,
      [ruleId],
    );
    return rows.length > 0;
  }

  /** Ids that ever existed (versions outlive deleted rules): seeds never resurrect a deleted rule. */
  async knownIds(tx: EntityManager | DataSource = this.db): Promise<Set<string>> {
    const rows: { rule_id: string }[] = await tx.query(`SELECT DISTINCT rule_id FROM journey_rule_versions`);
    return new Set(rows.map((r) => r.rule_id));
  }

  async findVersions(ruleId: string): Promise<RuleVersion[]> {
    const rows: VersionRow[] = await this.db.query(
      `SELECT ${VERSION_COLUMNS} FROM journey_rule_versions WHERE rule_id = $1 ORDER BY version`,
      [ruleId],
    );
    return rows.map(toVersion);
  }

  async findVersion(ruleId: string, version: number): Promise<RuleVersion | undefined> {
    const rows: VersionRow[] = await this.db.query(
      `SELECT ${VERSION_COLUMNS} FROM journey_rule_versions WHERE rule_id = $1 AND version = $2`,
      [ruleId, version],
    );
    return rows[0] && toVersion(rows[0]);
  }

  private async recordVersion(tx: EntityManager, doc: RuleDocument, version: number, createdBy: string): Promise<void> {
    await tx.query(`INSERT INTO journey_rule_versions (rule_id, version, rule_config, created_by) VALUES ($1, $2, $3, $4)`, [
      doc.id,
      version,
      JSON.stringify(doc),
      createdBy,
    ]);
  }
}
