/** The backfill module's table: the progress of each rule's re-evaluation of the population. */
import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const BACKFILL_STATUSES = ['running', 'completed', 'failed'] as const;
export type BackfillStatus = (typeof BACKFILL_STATUSES)[number];

@Entity('rule_backfills')
@Check('rule_backfills_status_check', `status IN ('running', 'completed', 'failed')`)
@Index('rule_backfills_running', ['startedAt'], { where: "status = 'running'" })
export class BackfillEntity {
  @PrimaryColumn({ name: 'rule_id', type: 'varchar', length: 100, primaryKeyConstraintName: 'rule_backfills_pkey' })
  ruleId!: string;

  @Column({ type: 'varchar', length: 20 })
  status!: BackfillStatus;

  /** Incremented by every restart and resumption: a batch of an older run never writes over a newer one. */
  @Column({ type: 'integer', default: 1 })
  run!: number;

  @Column({ name: 'rule_version', type: 'integer', nullable: true })
  ruleVersion!: number | null;

  @Column({ type: 'integer', default: 0 })
  processed!: number;

  @Column({ type: 'integer', default: 0 })
  total!: number;

  /** The last participant id done (keyset order); null before the first batch. */
  @Column({ type: 'uuid', nullable: true })
  cursor!: string | null;

  /** Walks started at this cursor that did not end cleanly (a batch committed, or a pause), the current one included. */
  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;
}
