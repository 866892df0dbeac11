/**
 * The outbox module's tables: events written with the decision that caused them, and which of them
 * the relay has yet to publish. An outbox row is written once and never updated.
 */
import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { OutputEnvelope } from '../contracts/events.js';

@Entity('journey_outbox')
@Unique('journey_outbox_event_id_key', ['eventId'])
@Index('journey_outbox_timeline', ['userId', 'occurredAt', 'id'])
/** Only retention reads it; rows arrive in time order. */
@Index('journey_outbox_created', ['createdAt'], { type: 'brin' })
export class OutboxEntity {
  /** bigserial: a string, as `pg` returns int8. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'journey_outbox_pkey' })
  id!: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ type: 'varchar', length: 200 })
  type!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'jsonb' })
  envelope!: OutputEnvelope;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** Program time of the cause. */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}

/** An outbox row not yet published: written with it, deleted by the relay that publishes it. */
@Entity('journey_outbox_pending')
export class OutboxPendingEntity {
  @PrimaryColumn({ type: 'bigint', primaryKeyConstraintName: 'journey_outbox_pending_pkey' })
  id!: string;
}
