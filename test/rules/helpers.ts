/** Shared by the rules tests: a population ingested over HTTP, and polling with a deadline. */
import { randomUUID } from 'node:crypto';
import type { TestApp } from '../support/app.js';
import { daysAgo, ev } from '../support/events.js';

export interface Population {
  /** Participants with `sessions` language sessions rated 5, by group. */
  withSessions: string[];
  /** Participants known only through an enrollment. */
  enrolledOnly: string[];
  all: string[];
}

/** Ingests a population through POST /journey/events, in chunks the body limit allows. */
export async function ingestPopulation(t: TestApp, withSessions: number, enrolledOnly: number, sessions = 3): Promise<Population> {
  const p: Population = { withSessions: [], enrolledOnly: [], all: [] };
  const events = [];
  for (let i = 0; i < withSessions; i++) {
    const u = randomUUID();
    p.withSessions.push(u);
    for (let s = 0; s < sessions; s++) events.push(ev.session(u, `s${s}-${u}`, 5, daysAgo(sessions - s)));
  }
  for (let i = 0; i < enrolledOnly; i++) {
    const u = randomUUID();
    p.enrolledOnly.push(u);
    events.push(ev.enrollment(u));
  }
  for (let i = 0; i < events.length; i += 500) {
    const res = await t
      .as('service')
      .post('/journey/events')
      .send(events.slice(i, i + 500));
    if (res.status !== 200 && res.status !== 201) throw new Error(`ingest failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  p.all = [...p.withSessions, ...p.enrolledOnly].sort();
  p.withSessions.sort();
  p.enrolledOnly.sort();
  return p;
}

/** Calls `probe` until `done` holds for its result, or fails after `timeoutMs`. */
export async function poll<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 20_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface BackfillBody {
  ruleId: string;
  status: 'running' | 'completed' | 'failed';
  processed: number;
  total: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

/** GET /journey/rules/:id/backfill until it has finished (completed or failed), and is a later run than `after` if given. */
export function backfillFinished(t: TestApp, ruleId: string, after?: BackfillBody): Promise<BackfillBody> {
  return poll(
    async () => {
      const res = await t.as('reader').get(`/journey/rules/${ruleId}/backfill`);
      return res.status === 200 ? (res.body as BackfillBody) : undefined;
    },
    (b) => !!b && b.status !== 'running' && (!after || Date.parse(b.startedAt) > Date.parse(after.startedAt)),
  ) as Promise<BackfillBody>;
}

export async function outboxCount(t: TestApp, type: string, ruleId: string): Promise<number> {
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM journey_outbox WHERE type = $1 AND envelope->'data'->>'ruleId' = $2`, [
    type,
    ruleId,
  ]);
  return n as number;
}
