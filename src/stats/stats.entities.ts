import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Sets and clears of a flag within one hour of decision time (migration 1796500000000-StatsAndAuthors). */
@Entity({ name: 'journey_stats_flag_hourly' })
@Index('journey_stats_flag_hourly_hour', ['hour'])
export class FlagHourlyRollup {
  @PrimaryColumn({ type: 'text' })
  flag!: string;

  @PrimaryColumn({ type: 'timestamptz' })
  hour!: Date;

  @Column({ type: 'int', default: 0 })
  sets!: number;

  @Column({ type: 'int', default: 0 })
  clears!: number;
}

/** Rises of a rule version within one hour of decision time. */
@Entity({ name: 'journey_stats_rule_hourly' })
@Index('journey_stats_rule_hourly_hour', ['hour'])
export class RuleHourlyRollup {
  @PrimaryColumn({ name: 'rule_id', type: 'text' })
  ruleId!: string;

  @PrimaryColumn({ type: 'int' })
  version!: number;

  @PrimaryColumn({ type: 'timestamptz' })
  hour!: Date;

  @Column({ type: 'int', default: 0 })
  fired!: number;

  @Column({ name: 'last_fired_at', type: 'timestamptz' })
  lastFiredAt!: Date;
}
