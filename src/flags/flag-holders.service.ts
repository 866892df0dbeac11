import { Clock } from '../common/clock.js';
import { Injectable } from '@nestjs/common';
import { invalid } from '../common/errors.js';
import { RulesService } from '../rules/rules.service.js';
import { encodeHoldersCursor, toHolder, type HoldersPage, type HoldersQuery } from './flag-holders.dto.js';
import { FlagHoldersRepository, type HolderRow } from './flag-holders.repository.js';

/** Rows per statement while streaming every holder (CSV): memory stays flat whatever the count. */
const STREAM_BATCH = 2000;

@Injectable()
export class FlagHoldersService {
  constructor(
    private readonly holders: FlagHoldersRepository,
    private readonly rules: RulesService,
    private readonly clock: Clock,
  ) {}

  /** One page of the holders of a flag's value, with the exact total. */
  async page(q: HoldersQuery): Promise<HoldersPage> {
    await this.assertKnown(q.flag);
    const now = this.clock.now();
    const count = await this.holders.count(q.flag, q.value, now);
    const rows = await this.holders.page(q.flag, q.value, now, q.after, q.limit + 1);
    const page = rows.slice(0, q.limit);
    return {
      flag: q.flag,
      value: q.value,
      count,
      participants: page.map(toHolder),
      next: rows.length > q.limit ? encodeHoldersCursor(page[page.length - 1].userId) : null,
    };
  }

  /** Every holder from the cursor on, batch after batch (the caller checks the flag first). */
  async *all(q: HoldersQuery): AsyncGenerator<HolderRow[]> {
    const now = this.clock.now();
    let after = q.after;
    for (;;) {
      const rows = await this.holders.page(q.flag, q.value, now, after, STREAM_BATCH);
      if (rows.length) yield rows;
      if (rows.length < STREAM_BATCH) return;
      after = rows[rows.length - 1].userId;
    }
  }

  /** A flag no rule manages and no participant ever had is a typo, not an empty list. */
  async assertKnown(flag: string): Promise<void> {
    const managed = (await this.rules.list()).some(
      (r) => r.doc.flag === flag || r.doc.actions.some((a) => a.type !== 'emit_event' && a.flag === flag),
    );
    if (!managed && !(await this.holders.known(flag)))
      throw invalid('unknown flag', [{ path: 'flag', reason: `no rule manages "${flag}" and no participant has had it` }]);
  }
}
