/**
 * Every table's entity, each defined in the module that owns the table. Listed here, beside the
 * app module, and handed to DatabaseModule.forRoot: the database layer does not import the modules above it.
 */
import { BackfillEntity } from './backfill/backfill.entity.js';
import { EventLogEntry } from './eventlog/event-log.entity.js';
import { ParticipantEntity, ParticipantRecordEntity, PendingEventEntity } from './context/participant.entity.js';
import { FlagEntity, FlagHistoryEntity } from './flags/flag.entity.js';
import { MilestoneEntity } from './milestones/milestone.entity.js';
import { OutboxEntity, OutboxPendingEntity } from './outbox/outbox.entity.js';
import { RuleEntity, RuleVersionEntity } from './rules/rule.entity.js';
import { FlagHourlyRollup, RuleHourlyRollup } from './stats/stats.entities.js';

export const ENTITIES = [
  RuleEntity,
  RuleVersionEntity,
  ParticipantEntity,
  ParticipantRecordEntity,
  PendingEventEntity,
  FlagEntity,
  FlagHistoryEntity,
  MilestoneEntity,
  OutboxEntity,
  OutboxPendingEntity,
  BackfillEntity,
  EventLogEntry,
  FlagHourlyRollup,
  RuleHourlyRollup,
];
