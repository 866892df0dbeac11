/**
 * The context module's tables: the participants' read model (one row each, with the engine's
 * per-rule state) and their records per entity, plus the ingest's processed and pending events.
 * The context module is the one owner of `participants`: other modules go through its repository.
 */
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('participants')
@Index('participants_next_due', ['nextDueAt'], { where: 'next_due_at IS NOT NULL' })
export class ParticipantEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'participants_pkey' })
  userId!: string;

  @Column({ name: 'first_seen_at', type: 'timestamptz', nullable: true })
  firstSeenAt!: Date | null;

  @Column({ name: 'last_event_at', type: 'timestamptz', nullable: true })
  lastEventAt!: Date | null;

  @Column({ name: 'matched_rules', type: 'text', array: true, default: () => "'{}'" })
  matchedRules!: string[];

  @Column({ name: 'next_due_at', type: 'timestamptz', nullable: true })
  nextDueAt!: Date | null;

  @Column({ name: 'evaluated_at', type: 'timestamptz', nullable: true })
  evaluatedAt!: Date | null;
}

@Entity('participant_records')
@Index('participant_records_owners', ['entity', 'recordKey'], {
  where: "entity IN ('buddy_matches', 'kintell_sessions')",
})
export class ParticipantRecordEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'participant_records_pkey' })
  userId!: string;

  @PrimaryColumn({ type: 'varchar', length: 50, primaryKeyConstraintName: 'participant_records_pkey' })
  entity!: string;

  @PrimaryColumn({ name: 'record_key', type: 'varchar', length: 200, primaryKeyConstraintName: 'participant_records_pkey' })
  recordKey!: string;

  @Column({ type: 'jsonb' })
  fields!: Record<string, unknown>;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}

/** An event that names a match or session not seen yet, parked until it is. */
@Entity('pending_events')
@Index('pending_events_waiting_for', ['waitEntity', 'waitKey'])
export class PendingEventEntity {
  @PrimaryColumn({ name: 'event_id', type: 'uuid', primaryKeyConstraintName: 'pending_events_pkey' })
  eventId!: string;

  @Column({ name: 'wait_entity', type: 'varchar', length: 50 })
  waitEntity!: string;

  @Column({ name: 'wait_key', type: 'varchar', length: 200 })
  waitKey!: string;

  @Column({ type: 'jsonb' })
  envelope!: Record<string, unknown>;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;
}
