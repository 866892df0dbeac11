import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { MILESTONE_EVENT } from '../contracts/rule.js';
import { outputEnvelope } from '../outbox/envelope.js';
import { OutboxRepository } from '../outbox/outbox.repository.js';
import { milestoneKey, MilestonesRepository, type MilestoneRow } from './milestones.repository.js';

@Injectable()
export class MilestonesService {
  constructor(
    private readonly db: DataSource,
    private readonly milestones: MilestonesRepository,
    private readonly outbox: OutboxRepository,
    private readonly clock: Clock,
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
      const now = this.clock.now();
      // Whoever records the milestone announces it: a rule reaching it at the same moment (its insert
      // waits for ours, or ours for its) finds it recorded and publishes nothing, and so do we.
      const recorded = await this.milestones.insertMany(tx, [{ userId, milestone, ruleId: 'manual', metadata, at: now }]);
      const created = recorded.has(milestoneKey(userId, milestone));
      if (created) await this.outbox.append(tx, [outputEnvelope(MILESTONE_EVENT, { userId, milestone, ruleId: 'manual', metadata }, now)]);
      return { created, milestone: (await this.milestones.findOne(tx, userId, milestone))! };
    });
  }
}
