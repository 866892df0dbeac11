/** The outbox module's table: events written with the decision that caused them, published after. */
import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { OutputEnvelope } from '../contracts/events.js';

@Entity('journey_outbox')
@Unique('journey_outbox_event_id_key', ['eventId'])
@Index('journey_outbox_unpublished', ['id'], { where: 'published_at IS NULL' })
@Index('journey_outbox_timeline', ['userId', 'occurredAt', 'id'])
@Index('journey_outbox_published', ['publishedAt'], { where: 'published_at IS NOT NULL' })
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

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;

  /** Program time of the cause. */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}
