/** The milestones module's table: each milestone a participant reached, once. */
import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

@Entity('journey_milestones')
@Unique('journey_milestones_user_id_milestone_key', ['userId', 'milestone'])
@Index('journey_milestones_timeline', ['userId', 'occurredAt', 'id'])
export class MilestoneEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'journey_milestones_pkey' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 100 })
  milestone!: string;

  @Column({ name: 'reached_at', type: 'timestamptz' })
  reachedAt!: Date;

  @Column({ name: 'triggered_by_rule', type: 'varchar', length: 100 })
  triggeredByRule!: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata!: Record<string, unknown>;

  /** Program time of the cause (the decision time for a manual milestone). */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}
