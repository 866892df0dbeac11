import { Injectable } from '@nestjs/common';
import { toTimelineEntry } from './timeline.dto.js';
import { encodeCursor, type TimelineQuery } from './timeline.query.js';
import { TimelineRepository } from './timeline.repository.js';

@Injectable()
export class TimelineService {
  constructor(private readonly timeline: TimelineRepository) {}

  /** One page of a participant's timeline, newest first; `next` continues after its last entry. */
  async page(userId: string, q: TimelineQuery) {
    const rows = await this.timeline.page(userId, q);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      userId,
      entries: page.map(toTimelineEntry),
      next: rows.length > q.limit ? encodeCursor({ at: last.at.getTime(), kind: last.kind, id: last.rowId }) : null,
    };
  }
}
