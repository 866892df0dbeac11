import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** One accepted input event, as received (migration 1796461790791-EventLog). */
@Entity({ name: 'journey_event_log' })
@Unique('journey_event_log_event_id_key', ['eventId'])
@Check('journey_event_log_source_check', `source IN ('http', 'kafka')`)
@Index('journey_event_log_timeline', ['userId', 'occurredAt', 'id'], { where: 'user_id IS NOT NULL' })
// BRIN: rows arrive in receipt order, and only retention reads it (migration EventLogDedupe).
@Index('journey_event_log_received', ['receivedAt'], { type: 'brin' })
export class EventLogEntry {
  /** Insertion order: breaks ties between events of the same instant. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'journey_event_log_pkey' })
  id!: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  /** Null while the event waits for its match or session. */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ type: 'varchar', length: 100 })
  type!: string;

  /** The envelope's timestamp (program time). */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  @Column({ type: 'varchar', length: 10 })
  source!: 'http' | 'kafka';

  @Column({ name: 'kafka_topic', type: 'varchar', length: 255, nullable: true })
  kafkaTopic!: string | null;

  @Column({ name: 'kafka_partition', type: 'integer', nullable: true })
  kafkaPartition!: number | null;

  @Column({ name: 'kafka_offset', type: 'bigint', nullable: true })
  kafkaOffset!: string | null;

  @Column({ type: 'jsonb' })
  data!: Record<string, unknown>;
}
