/**
 * Group commit of HTTP ingest (issue 15): concurrent POST /journey/events requests share
 * transactions, yet each is validated, answered and counted as if it had come alone.
 * Real HTTP (the app listening on a port, requests sent with fetch), PGlite or PostgreSQL.
 */
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { BACKGROUND_OFF, backend, KEYS, startApp, type TestApp } from '../support/app.js';
import { ev } from '../support/events.js';

interface Answer {
  status: number;
  body: { accepted?: number; duplicates?: number; pending?: number; problems?: unknown[]; statusCode?: number };
}

async function listening(env: Record<string, string> = {}): Promise<{ t: TestApp; post: (body: unknown) => Promise<Answer> }> {
  const t = await startApp({ ...BACKGROUND_OFF, ...env });
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  const post = async (body: unknown): Promise<Answer> => {
    const res = await fetch(`http://127.0.0.1:${port}/journey/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEYS.service}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
  return { t, post };
}

/** Transactions that wrote the given events: the event log's received_at is the transaction's start. */
async function transactionsOf(t: TestApp, eventIds: string[]): Promise<number> {
  const rows: { n: string | number }[] = await t.db.query(
    `SELECT count(DISTINCT received_at) AS n FROM journey_event_log WHERE event_id = ANY($1::uuid[])`,
    [eventIds],
  );
  return Number(rows[0].n);
}

async function flagsOf(t: TestApp, userId: string): Promise<string[]> {
  const res = await t.as('reader').get(`/journey/flags/${userId}`).expect(200);
  return (res.body.flags as { flag: string; value: boolean }[]).filter((f) => f.value).map((f) => f.flag);
}

const ok = (accepted: number, duplicates = 0, pending = 0) => ({ status: 200, body: { accepted, duplicates, pending } });

describe(`group commit of HTTP ingest (${backend})`, () => {
  let t: TestApp;
  let post: (body: unknown) => Promise<Answer>;
  beforeAll(async () => {
    ({ t, post } = await listening());
  });
  afterAll(() => t.close());

  it('answers 64 concurrent single-event requests, each with its own counts, and applies every event in fewer transactions', async () => {
    const users = Array.from({ length: 64 }, () => randomUUID());
    const events = users.map((u) => ev.score(u, 0.2));
    const answers = await Promise.all(events.map((e) => post(e)));
    expect(answers).toEqual(users.map(() => ok(1)));
    for (const u of users) expect(await flagsOf(t, u)).toEqual(['language_support_needed']);
    const transactions = await transactionsOf(
      t,
      events.map((e) => e.id),
    );
    expect(transactions).toBeLessThan(64);
  });

  it('refuses only the invalid request of a concurrent group; the others are stored', async () => {
    const users = Array.from({ length: 16 }, () => randomUUID());
    const bodies: unknown[] = users.map((u) => ev.score(u, 0.2));
    const bad = { ...ev.score(users[5], 0.2), data: { userId: users[5], dimension: 'language_comfort', score: 'low' } };
    bodies[5] = [ev.score(users[5], 0.2), bad];
    const answers = await Promise.all(bodies.map((b) => post(b)));
    answers.forEach((a, i) => {
      if (i === 5) {
        expect(a.status).toBe(400);
        expect(a.body.problems?.length).toBeGreaterThan(0);
      } else expect(a).toEqual(ok(1));
    });
    expect(await flagsOf(t, users[5])).toEqual([]);
    for (const u of users.filter((_, i) => i !== 5)) expect(await flagsOf(t, u)).toEqual(['language_support_needed']);
  });

  it('counts an event id sent by two concurrent requests once accepted and once a duplicate', async () => {
    for (let round = 0; round < 5; round++) {
      const e = ev.score(randomUUID(), 0.2);
      const others = Array.from({ length: 6 }, () => post(ev.score(randomUUID(), 0.9)));
      const [a, b] = await Promise.all([post(e), post({ ...e }), ...others]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.body.accepted! + b.body.accepted!).toBe(1);
      expect(a.body.duplicates! + b.body.duplicates!).toBe(1);
    }
  });

  it('counts pending events and duplicates within a request for that request only', async () => {
    const u = randomUUID();
    const waiting = ev.logged(`match-${randomUUID()}`); // its match has not arrived: pending
    const twice = ev.score(u, 0.3);
    const answers = await Promise.all([post([ev.score(u, 0.2), waiting]), post([twice, twice]), post(ev.score(randomUUID(), 0.2))]);
    expect(answers).toEqual([ok(2, 0, 1), ok(1, 1, 0), ok(1)]);
  });
});

describe(`group commit: a request the database refuses fails alone (${backend})`, () => {
  let t: TestApp;
  let post: (body: unknown) => Promise<Answer>;
  const refused = randomUUID();
  beforeAll(async () => {
    ({ t, post } = await listening());
    // The database itself refuses one participant's events (a data error, SQLSTATE 23514), as it could
    // refuse content the validation let through.
    await t.db.query(`CREATE FUNCTION refuse_participant() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'participant refused' USING ERRCODE = '23514'; END $$`);
    await t.db.query(`CREATE TRIGGER refuse_participant BEFORE INSERT ON journey_event_log FOR EACH ROW
      WHEN (NEW.user_id = '${refused}') EXECUTE FUNCTION refuse_participant()`);
  });
  afterAll(() => t.close());

  it('answers the others 200 with their events applied, and the refused one 500 with nothing stored', async () => {
    const users = Array.from({ length: 16 }, () => randomUUID());
    const events = users.map((u) => ev.score(u, 0.2));
    const mine = ev.score(refused, 0.2);
    const answers = await Promise.all([...events.slice(0, 8).map((e) => post(e)), post(mine), ...events.slice(8).map((e) => post(e))]);
    expect(answers[8].status).toBe(500);
    expect(answers.filter((_, i) => i !== 8)).toEqual(users.map(() => ok(1)));
    for (const u of users) expect(await flagsOf(t, u)).toEqual(['language_support_needed']);
    const stored: unknown[] = await t.db.query(`SELECT 1 FROM journey_event_log WHERE event_id = $1`, [mine.id]);
    expect(stored).toHaveLength(0);
  });
});

describe(`group commit off: a transaction per request (${backend})`, () => {
  let t: TestApp;
  let post: (body: unknown) => Promise<Answer>;
  beforeAll(async () => {
    ({ t, post } = await listening({ JOURNEY_INGEST_GROUP_COMMIT: 'false' }));
  });
  afterAll(() => t.close());

  it('gives the same answers, one transaction each', async () => {
    const events = Array.from({ length: 16 }, () => ev.score(randomUUID(), 0.2));
    expect(await Promise.all(events.map((e) => post(e)))).toEqual(events.map(() => ok(1)));
    expect(
      await transactionsOf(
        t,
        events.map((e) => e.id),
      ),
    ).toBe(16);
  });
});
