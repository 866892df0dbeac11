import { InitialSchema1764201600000 } from './1764201600000-InitialSchema.js';
import { RuleBackfills1795756452893 } from './1795756452893-RuleBackfills.js';
import { OwnerIndex1795837000000 } from './1795837000000-OwnerIndex.js';
import { BackfillAttempts1796400000000 } from './1796400000000-BackfillAttempts.js';
import { EventLog1796461790791 } from './1796461790791-EventLog.js';
import { FlagHolders1796463460053 } from './1796463460053-FlagHolders.js';
import { StatsAndAuthors1796500000000 } from './1796500000000-StatsAndAuthors.js';
import { EventLogDedupe1796600000000 } from './1796600000000-EventLogDedupe.js';
import { OutboxPending1796700000000 } from './1796700000000-OutboxPending.js';

/** Every migration, in order. Listed explicitly: ESM builds cannot rely on file globs. */
export const MIGRATIONS = [
  InitialSchema1764201600000,
  RuleBackfills1795756452893,
  OwnerIndex1795837000000,
  BackfillAttempts1796400000000,
  EventLog1796461790791,
  FlagHolders1796463460053,
  StatsAndAuthors1796500000000,
  EventLogDedupe1796600000000,
  OutboxPending1796700000000,
];
