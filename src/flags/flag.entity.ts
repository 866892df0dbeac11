/** The flags module's tables: each participant's current flags, and every change to them. */
import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

@Entity('journey_flags')
@Unique('journey_flags_user_id_flag_key', ['userId', 'flag'])
// Who holds a flag: one flag and value's holders in participant order.
@Index('journey_flags_holders', ['flag', 'value', 'userId'])
// Trends: today's holders of every flag, counted from the index alone (migration 1796500000000).
@Index('journey_flags_holding', ['flag', 'expiresAt'], { where: 'value' })
export class FlagEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'journey_flags_pkey' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 100 })
  flag!: string;

  @Column({ type: 'boolean' })
  value!: boolean;

  @Column({ name: 'set_by_rule', type: 'varchar', length: 100 })
  setByRule!: string;

  @Column({ name: 'set_at', type: 'timestamptz' })
  setAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;
}

@Entity('journey_flag_history')
@Index('journey_flag_history_by_user', ['userId', 'id'])
@Index('journey_flag_history_timeline', ['userId', 'occurredAt', 'id'])
// BRIN: rows arrive in decision order, and only retention reads it (migration EventLogDedupe).
@Index('journey_flag_history_changed', ['changedAt'], { type: 'brin' })
export class FlagHistoryEntity {
  /** bigserial: a string, as `pg` returns int8. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'journey_flag_history_pkey' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 100 })
  flag!: string;

  @Column({ type: 'boolean' })
  value!: boolean;

  @Column({ name: 'previous_value', type: 'boolean', nullable: true })
  previousValue!: boolean | null;

  @Column({ name: 'rule_id', type: 'varchar', length: 100 })
  ruleId!: string;

  @Column({ name: 'rule_version', type: 'integer', nullable: true })
  ruleVersion!: number | null;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'caused_by', type: 'uuid', nullable: true })
  causedBy!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  explanation!: unknown;

  /** Decision time. */
  @Column({ name: 'changed_at', type: 'timestamptz' })
  changedAt!: Date;

  /** Program time of the cause. */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  /** Every input event behind the change; null when none (time, manual, re-evaluation). */
  @Column({ name: 'caused_by_events', type: 'uuid', array: true, nullable: true })
  causedByEvents!: string[] | null;

  @Column({ type: 'varchar', length: 20 })
  trigger!: 'events' | 'time' | 'manual' | 'evaluation';

  /** The name of the API key behind a manual change; null for the rules' own. */
  @Column({ type: 'text', nullable: true })
  actor!: string | null;
}
