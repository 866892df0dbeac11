/**
 * Parts 2–6: the real service (dist/src/main.js) on a fresh PostgreSQL database, with the real
 * broker where Kafka is involved. Each part cleans up its database and topics.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { summarize, type Summary } from '../stats.js';
import { Random } from '../random.js';
import { createDatabase, GiveUp, KAFKA_BROKERS, startService, until, type BenchDatabase, type Service } from './harness.js';
import { flagRaisingEvent, participantEvents, type Produced } from './workload.js';
import { EVENT_TYPES } from '../../src/contracts/events.js';

type Log = (line: string) => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/* ------------------------------------------------------------------ Kafka helpers */

function kafka(clientId: string) {
  return new Kafka({ clientId, brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
}

async function createTopics(prefix: string, partitions: number) {
  const admin = kafka('journey-bench-admin').admin();
  await admin.connect();
  await admin.createTopics({ topics: EVENT_TYPES.map((t) => ({ topic: prefix + t, numPartitions: partitions })), waitForLeaders: true });
  await admin.disconnect();
}

async function deleteTopics(prefix: string) {
  const admin = kafka('journey-bench-admin').admin();
  await admin.connect();
  const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (mine.length) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
  await admin.disconnect();
}

async function produce(producer: Producer, prefix: string, events: Produced[]) {
  const byTopic = new Map<string, { key: string; value: string }[]>();
  for (const e of events) {
    const topic = prefix + e.type;
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push({ key: e.key, value: JSON.stringify(e.envelope) });
  }
  await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
}

/* ------------------------------------------------------------------ part 2: Kafka → committed flags */

export interface KafkaResult {
  events: number;
  participants: number;
  events_per_sec: number;
  baseline_events_per_sec: number;
  ratio_vs_baseline: number;
  flag_changes: number;
  outbox_rows: number;
  rss_mb_after: number;
  /**
   * WAL written per event (the whole cluster's, from the first event taken until the last is
   * committed): what fills the buffers and forces checkpoints after a burst. Unlike the rates, it
   * does not move with the machine's speed.
   */
  wal_bytes_per_event: number;
  baseline_wal_bytes_per_event: number;
}

/** Our service and the bare consumer on the same events; the service is left running for part 3. */
export async function kafkaPart(
  opts: { participants: number; log: Log },
  onService: (s: Service, db: BenchDatabase, prefix: string) => Promise<void>,
): Promise<KafkaResult> {
  const { log } = opts;
  const rnd = new Random(2024);
  const prefix = `bench-${rnd.uuid().slice(0, 8)}.`;
  const db = await createDatabase();
  let service: Service | undefined;
  try {
    await createTopics(prefix, 4);
    const now = Date.now();
    const events: Produced[] = [];
    for (let i = 0; i < opts.participants; i++) events.push(...participantEvents(rnd, rnd.uuid(), now));
    const producer = kafka('journey-bench-producer').producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const tp = Date.now();
    for (let i = 0; i < events.length; i += 5000) await produce(producer, prefix, events.slice(i, i + 5000));
    await producer.disconnect();
    log(`kafka: produced ${events.length} events for ${opts.participants} participants in ${((Date.now() - tp) / 1000).toFixed(1)} s`);

    // The baseline: a bare kafkajs consumer that only batch-inserts the events into a table.
    await db.pool.query(`CREATE TABLE bench_events (id uuid PRIMARY KEY, type text NOT NULL, envelope jsonb NOT NULL)`);
    const consumer = kafka('journey-bench-baseline').consumer({ groupId: `${prefix}baseline` });
    await consumer.connect();
    await consumer.subscribe({ topics: EVENT_TYPES.map((t) => prefix + t), fromBeginning: true });
    let inserted = 0;
    let first = 0;
    const baseWal = await walLsn(db);
    await consumer.run({
      eachBatch: async ({ batch }) => {
        if (!first) first = Date.now();
        const rows = batch.messages.map((m) => JSON.parse(m.value!.toString()) as { id: string; type: string });
        await db.pool.query(
          `INSERT INTO bench_events (id, type, envelope) SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) ON CONFLICT DO NOTHING`,
          [rows.map((r) => r.id), rows.map((r) => r.type), rows.map((r) => JSON.stringify(r))],
        );
        inserted += rows.length;
      },
    });
    const baseEnd = await until(
      'the baseline to insert every event',
      () => (inserted >= events.length ? Date.now() : undefined),
      600_000,
      50,
    );
    const baselineWal = await walSince(db, baseWal);
    await consumer.disconnect();
    const baseline = events.length / ((baseEnd - first) / 1000);
    log(`kafka: baseline (bare consumer + batch insert): ${Math.round(baseline)} events/s`);

    // Our service: consume, project, evaluate, commit flags, history, milestones and outbox.
    const serviceWal = await walLsn(db); // the migrations' WAL counts too: a few kB
    service = await startService({
      DATABASE_URL: db.url,
      KAFKA_BROKERS,
      JOURNEY_KAFKA_TOPIC_PREFIX: prefix,
      JOURNEY_KAFKA_GROUP: `${prefix}journey`,
    });
    const end = await until(
      'the service to commit every event',
      async () => {
        // Counting the log scans it: every 100 ms that took a sixth of the database's time in this
        // part (pg_stat_statements), a load the baseline's in-process counter does not carry. The
        // log's ids are distinct and count from 1, so the count cannot pass N before the largest id
        // does: the full check waits for that index read.
        const { rows: top } = await db.pool.query<{ id: string }>(`SELECT coalesce(max(id), 0) AS id FROM journey_event_log`);
        if (Number(top[0].id) < events.length) return undefined;
        const { rows } = await db.pool.query<{ n: string; pending: string }>(
          `SELECT (SELECT count(*) FROM journey_event_log) AS n, (SELECT count(*) FROM pending_events) AS pending`,
        );
        return Number(rows[0].n) >= events.length && Number(rows[0].pending) === 0 ? Date.now() : undefined;
      },
      900_000,
      100,
    );
    const wal = await walSince(db, serviceWal);
    const { rows } = await db.pool.query<{ start: Date; changes: string; outbox: string }>(
      `SELECT (SELECT min(received_at) FROM journey_event_log) AS start,
              (SELECT count(*) FROM journey_flag_history) AS changes, (SELECT count(*) FROM journey_outbox) AS outbox`,
    );
    const ours = events.length / ((end - rows[0].start.getTime()) / 1000);
    const result: KafkaResult = {
      events: events.length,
      participants: opts.participants,
      events_per_sec: ours,
      baseline_events_per_sec: baseline,
      ratio_vs_baseline: ours / baseline,
      flag_changes: Number(rows[0].changes),
      outbox_rows: Number(rows[0].outbox),
      rss_mb_after: service.rssMb(),
      wal_bytes_per_event: wal / events.length,
      baseline_wal_bytes_per_event: baselineWal / events.length,
    };
    log(
      `kafka: service ${Math.round(ours)} events/s (${result.flag_changes} flag changes, ${result.outbox_rows} outbox rows), ` +
        `${Math.round(result.ratio_vs_baseline * 100)}% of the baseline; RSS ${result.rss_mb_after.toFixed(0)} MB; ` +
        `WAL ${Math.round(result.wal_bytes_per_event)} bytes/event (baseline ${Math.round(result.baseline_wal_bytes_per_event)})`,
    );
    await onService(service, db, prefix);
    return result;
  } finally {
    await service?.stop();
    await db.drop();
    await deleteTopics(prefix).catch(() => undefined);
  }
}

const walLsn = async (db: BenchDatabase) => (await db.pool.query<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`)).rows[0].lsn;
const walSince = async (db: BenchDatabase, lsn: string) =>
  Number((await db.pool.query<{ n: string }>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) AS n`, [lsn])).rows[0].n);

/* ------------------------------------------------------------------ part 3: latency */

export interface LatencyResult {
  rate: number;
  seconds: number;
  events: number;
  /** produce → flag row visible to a reader (polled every 20 ms). */
  visible: Summary;
  /** produce → the evaluation instant recorded on the change (changed_at). */
  evaluated: Summary;
  missing: number;
}

/** Steady `rate` events/s for `seconds`, each raising a flag for a new participant. */
export async function latencyPart(
  service: Service,
  db: BenchDatabase,
  prefix: string,
  opts: { rate: number; seconds: number; log: Log },
): Promise<LatencyResult> {
  void service;
  const rnd = new Random(77);
  const producer = kafka('journey-bench-latency').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const producedAt = new Map<string, number>();
  const visibleAt = new Map<string, number>();
  const { rows: top } = await db.pool.query<{ id: string }>(`SELECT coalesce(max(id), 0) AS id FROM journey_flag_history`);
  let lastId = Number(top[0].id);
  let polling = true;
  let stopAt = Infinity;
  const poller = (async () => {
    while (polling || visibleAt.size < producedAt.size) {
      const { rows } = await db.pool.query<{ id: string; user_id: string }>(
        `SELECT id, user_id FROM journey_flag_history WHERE id > $1 AND flag = 'language_support_needed' ORDER BY id`,
        [lastId],
      );
      const t = Date.now();
      for (const r of rows) {
        lastId = Math.max(lastId, Number(r.id));
        if (producedAt.has(r.user_id) && !visibleAt.has(r.user_id)) visibleAt.set(r.user_id, t);
      }
      if (!polling && Date.now() > stopAt + 30_000) break;
      await sleep(20);
    }
  })();
  const start = Date.now();
  const tickMs = 20;
  const perTick = (opts.rate * tickMs) / 1000;
  let sent = 0;
  for (let tick = 0; ; tick++) {
    const due = start + tick * tickMs;
    if (due - start >= opts.seconds * 1000) break;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const want = Math.round((tick + 1) * perTick) - sent;
    const batch: Produced[] = [];
    for (let i = 0; i < want; i++) batch.push(flagRaisingEvent(rnd, rnd.uuid(), Date.now()));
    const t = Date.now();
    for (const e of batch) producedAt.set(e.key, t);
    await produce(producer, prefix, batch);
    sent += want;
  }
  stopAt = Date.now();
  polling = false;
  await poller;
  await producer.disconnect();
  const users = [...producedAt.keys()];
  const { rows } = await db.pool.query<{ user_id: string; changed_at: Date }>(
    `SELECT user_id, changed_at FROM journey_flag_history WHERE flag = 'language_support_needed' AND user_id = ANY($1::uuid[])`,
    [users],
  );
  const visible = users.filter((u) => visibleAt.has(u)).map((u) => visibleAt.get(u)! - producedAt.get(u)!);
  const evaluated = rows.map((r) => r.changed_at.getTime() - producedAt.get(r.user_id)!);
  const result: LatencyResult = {
    rate: opts.rate,
    seconds: opts.seconds,
    events: sent,
    visible: summarize(visible),
    evaluated: summarize(evaluated),
    missing: users.length - visible.length,
  };
  opts.log(
    `latency: ${sent} events at ${opts.rate}/s: produce → visible p50 ${result.visible.p50} ms p99 ${result.visible.p99} ms ` +
      `(evaluated p50 ${result.evaluated.p50} ms p99 ${result.evaluated.p99} ms), ${result.missing} not seen`,
  );
  return result;
}

/* ------------------------------------------------------------------ records straight into the read model */

/**
 * `n` participants with ids md5(tag || i), each with an active enrollment, three language
 * sessions and an outcome score, written with set-based SQL (how a migration or an import would).
 * `sessionAt(i)` is the SQL for each participant's session time.
 */
async function insertParticipants(db: BenchDatabase, tag: string, n: number, sessionAt: string, chunk = 100_000) {
  for (let from = 1; from <= n; from += chunk) {
    const to = Math.min(n, from + chunk - 1);
    await db.pool.query(
      `INSERT INTO participants (user_id, first_seen_at, last_event_at)
       SELECT md5($1 || i)::uuid, now() - interval '30 days', ${sessionAt} FROM generate_series($2::int, $3::int) i`,
      [tag, from, to],
    );
    await db.pool.query(
      `INSERT INTO participant_records (user_id, entity, record_key, fields, occurred_at)
       SELECT md5($1 || i)::uuid, 'program_enrollments', 'enr-' || i, '{"program_type":"language","status":"active"}', now() - interval '30 days'
         FROM generate_series($2::int, $3::int) i
       UNION ALL
       SELECT md5($1 || i)::uuid, 'kintell_sessions', 'ses-' || i || '-' || k,
              jsonb_build_object('session_type', 'language', 'duration_minutes', 45, 'rating', 1 + (i + k) % 5), ${sessionAt}
         FROM generate_series($2::int, $3::int) i, generate_series(1, 3) k
       UNION ALL
       SELECT md5($1 || i)::uuid, 'outcome_scores', 'score-' || i,
              jsonb_build_object('dimension', 'language_comfort', 'score', (i % 10) / 10.0), now() - interval '2 days'
         FROM generate_series($2::int, $3::int) i`,
      [tag, from, to],
    );
  }
}

/* ------------------------------------------------------------------ part 5: backfill */

export interface BackfillResult {
  participants: number;
  seconds: number;
  processed: number;
  rss_peak_mb: number;
}

/** Creates a rule and follows its backfill until completed, or for at most `limitS` seconds. */
async function backfill(
  service: Service,
  ruleId: string,
  log: Log,
  limitS = 1800,
): Promise<{ seconds: number; processed: number; total: number; completed: boolean; rssPeak: number }> {
  const t0 = Date.now();
  const created = await service.request('POST', '/journey/rules', {
    id: ruleId,
    name: ruleId,
    flag: ruleId,
    priority: 5,
    conditions: [
      { type: 'count', entity: 'kintell_sessions', field: 'session_type', value: 'language', count: '>=', count_value: 3 },
      { type: 'value', entity: 'kintell_sessions', field: 'avg_rating', operator: '>=', value: 3 },
    ],
    actions: [{ type: 'set_flag', flag: ruleId, value: true }],
  });
  if (created.status !== 201) throw new Error(`POST /journey/rules → ${created.status} ${JSON.stringify(created.body)}`);
  let rssPeak = 0;
  let last: { status: string; processed: number; total: number } = { status: 'running', processed: 0, total: 0 };
  await until(
    `the backfill of ${ruleId} to complete`,
    async () => {
      rssPeak = Math.max(rssPeak, service.rssMb());
      const r = await service.request('GET', `/journey/rules/${ruleId}/backfill`);
      if (r.status === 200) last = r.body;
      if (last.status === 'failed') throw new GiveUp(`backfill failed: ${JSON.stringify(r.body)}`);
      return last.status === 'completed' || Date.now() - t0 > limitS * 1000 ? true : undefined;
    },
    limitS * 1000 + 60_000,
    200,
  );
  const seconds = (Date.now() - t0) / 1000;
  const completed = last.status === 'completed';
  log(
    `backfill: ${last.processed}/${last.total} participants in ${seconds.toFixed(1)} s${completed ? '' : ' (stopped following it)'} ` +
      `(RSS peak ${rssPeak.toFixed(0)} MB)`,
  );
  return { seconds, processed: Number(last.processed), total: Number(last.total), completed, rssPeak };
}

/** One new rule over `participants` participants, created over HTTP; then, for part 6, the same with `bigger`. */
export async function backfillPart(opts: { participants: number; bigger: number; log: Log }): Promise<{
  backfill: BackfillResult;
  memory: {
    participants: number;
    rss_mb: number;
    rss_peak_mb: number;
    bigger_participants: number;
    bigger_rss_mb: number;
    bigger_rss_peak_mb: number;
    bigger_backfill_processed: number;
    bigger_backfill_seconds: number;
  } | null;
}> {
  const { log } = opts;
  const db = await createDatabase();
  let service: Service | undefined;
  try {
    service = await startService({ DATABASE_URL: db.url }); // runs the migrations
    await service.stop();
    const t = Date.now();
    await insertParticipants(db, 'bf', opts.participants, `now() - interval '3 days'`);
    log(`backfill: wrote ${opts.participants} participants' records with SQL in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    service = await startService({ DATABASE_URL: db.url });
    const b = await backfill(service, 'bench_backfill_a', log);
    const backfillResult = { participants: opts.participants, seconds: b.seconds, processed: b.processed, rss_peak_mb: b.rssPeak };
    const rssSmall = service.rssMb();
    await service.stop();
    if (opts.bigger <= opts.participants) return { backfill: backfillResult, memory: null };

    // Part 6: the same service with ten times the participants.
    const t2 = Date.now();
    await db.pool.query(`ANALYZE`);
    await insertParticipants(db, 'bf2-', opts.bigger - opts.participants, `now() - interval '3 days'`);
    await db.pool.query(`ANALYZE`);
    log(`footprint: now ${opts.bigger} participants (added in ${((Date.now() - t2) / 1000).toFixed(0)} s)`);
    service = await startService({ DATABASE_URL: db.url });
    // RSS while the new rule's backfill walks the million (followed for at most 3 minutes).
    const big = await backfill(service, 'bench_backfill_b', log, 180);
    const rssBig = service.rssMb();
    return {
      backfill: backfillResult,
      memory: {
        participants: opts.participants,
        rss_mb: rssSmall,
        rss_peak_mb: b.rssPeak,
        bigger_participants: opts.bigger,
        bigger_rss_mb: rssBig,
        bigger_rss_peak_mb: big.rssPeak,
        bigger_backfill_processed: big.processed,
        bigger_backfill_seconds: big.seconds,
      },
    };
  } finally {
    await service?.stop();
    await db.drop();
  }
}

/* ------------------------------------------------------------------ part 4: time flips */

export interface SchedulerResult {
  participants: number;
  window_s: number;
  late: Summary;
  missed: number;
}

/**
 * `n` participants whose last Kintell session was 60 s before an instant scattered over the
 * window; a rule `time_since kintell_sessions 60 seconds` then flips each exactly at that instant.
 * The rule is created over HTTP (its backfill computes everyone's next due instant); the
 * scheduler does the rest.
 */
export async function schedulerPart(opts: { participants: number; windowS: number; leadS: number; log: Log }): Promise<SchedulerResult> {
  const { log } = opts;
  const db = await createDatabase();
  let service: Service | undefined;
  try {
    service = await startService({ DATABASE_URL: db.url });
    const start = Date.now() + opts.leadS * 1000;
    // due_i = start + i/n * window; session at due_i - 60 s
    await db.pool.query(
      `INSERT INTO participants (user_id, first_seen_at, last_event_at)
       SELECT md5('due' || i)::uuid, now() - interval '1 day', now() FROM generate_series(1, $1::int) i`,
      [opts.participants],
    );
    await db.pool.query(
      `INSERT INTO participant_records (user_id, entity, record_key, fields, occurred_at)
       SELECT md5('due' || i)::uuid, 'kintell_sessions', 'ses-' || i, '{"session_type":"language","duration_minutes":45}',
              to_timestamp(($2::bigint + (i::bigint * $3::bigint) / $1::bigint - 60000) / 1000.0)
         FROM generate_series(1, $1::int) i`,
      [opts.participants, start, opts.windowS * 1000],
    );
    const created = await service.request('POST', '/journey/rules', {
      id: 'bench_due',
      name: 'bench_due',
      flag: 'bench_due',
      priority: 1,
      conditions: [{ type: 'time_since', entity: 'kintell_sessions', duration: '60 seconds' }],
      actions: [{ type: 'set_flag', flag: 'bench_due', value: true }],
    });
    if (created.status !== 201) throw new Error(`POST /journey/rules → ${created.status} ${JSON.stringify(created.body)}`);
    const lastDue = start + opts.windowS * 1000;
    log(`scheduler: ${opts.participants} participants due over ${opts.windowS} s from ${new Date(start).toISOString()}`);
    await sleep(Math.max(0, lastDue - Date.now()));
    await until(
      'every flip',
      async () => {
        const { rows } = await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM journey_flag_history WHERE flag = 'bench_due'`);
        return Number(rows[0].n) >= opts.participants ? true : undefined;
      },
      30_000,
      250,
    ).catch(() => undefined);
    const { rows } = await db.pool.query<{ i: number; changed_at: Date }>(
      `SELECT g.i, min(h.changed_at) AS changed_at FROM generate_series(1, $1::int) g(i)
         LEFT JOIN journey_flag_history h ON h.user_id = md5('due' || g.i)::uuid AND h.flag = 'bench_due' AND h.value
        GROUP BY g.i`,
      [opts.participants],
    );
    const late: number[] = [];
    let missed = 0;
    for (const r of rows) {
      if (!r.changed_at) missed++;
      else late.push(r.changed_at.getTime() - (start + Math.floor((r.i * opts.windowS * 1000) / opts.participants)));
    }
    const result = { participants: opts.participants, window_s: opts.windowS, late: summarize(late), missed };
    log(`scheduler: late p50 ${result.late.p50} ms p99 ${result.late.p99} ms max ${result.late.max} ms; ${missed} missed`);
    return result;
  } finally {
    await service?.stop();
    await db.drop();
  }
}
