/** The rules module's tables: each rule's current document, and every version it has had. */
import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { RuleDocument } from '../contracts/rule.js';

@Entity('journey_rules')
@Unique('journey_rules_rule_id_key', ['ruleId'])
// (priority DESC, rule_id) WHERE active: a column order TypeORM cannot describe, kept by the migration.
@Index('journey_rules_active_order', { synchronize: false })
export class RuleEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'journey_rules_pkey' })
  id!: string;

  @Column({ name: 'rule_id', type: 'varchar', length: 100 })
  ruleId!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'rule_config', type: 'jsonb' })
  ruleConfig!: RuleDocument;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @Column({ type: 'integer' })
  priority!: number;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

@Entity('journey_rule_versions')
export class RuleVersionEntity {
  @PrimaryColumn({ name: 'rule_id', type: 'varchar', length: 100, primaryKeyConstraintName: 'journey_rule_versions_pkey' })
  ruleId!: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'journey_rule_versions_pkey' })
  version!: number;

  @Column({ name: 'rule_config', type: 'jsonb' })
  ruleConfig!: RuleDocument;

  @Column({ name: 'created_by', type: 'varchar', length: 50 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
