import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MILESTONE_EVENT } from '../contracts/rule.js';
import { outputEnvelope } from '../outbox/envelope.js';
import { OutboxRepository } from '../outbox/outbox.repository.js';
import { MilestonesRepository, type MilestoneRow } from './milestones.repository.js';

@Injectable()
export class MilestonesService {
  constructor(
    private readonly db: DataSource,
    private readonly milestones: MilestonesRepository,
    private readonly outbox: OutboxRepository,
  ) {}

  list(userId: string): Promise<MilestoneRow[]> {
    return this.milestones.findByUser(userId);
  }

  /** Records a milestone by hand, once; a repeat returns the milestone already reached. */
  async reachManually(
    userId: string,
    milestone: string,
    metadata: Record<string, unknown>,
  ): Promise<{ created: boolean; milestone: MilestoneRow }> {
    return this.db.transaction(async (tx) => {
      const now = Date.now();
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`milestone:${userId}:${milestone}`]);
      const existing = await this.milestones.findOne(tx, userId, milestone);
      if (existing) return { created: false, milestone: existing };
      await this.milestones.insertMany(tx, [{ userId, milestone, ruleId: 'manual', metadata, at: now }]);
      await this.outbox.append(tx, [outputEnvelope(MILESTONE_EVENT, { userId, milestone, ruleId: 'manual', metadata }, now)]);
      return { created: true, milestone: (await this.milestones.findOne(tx, userId, milestone))! };
    });
  }
}
