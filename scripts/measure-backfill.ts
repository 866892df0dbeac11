/**
 * A quick measurement, not a benchmark: how long the backfill of one new rule takes over N participants.
 *   npm run build && npx tsx scripts/measure-backfill.ts [participants=100000] [batch=1000] [rules=0] [warm|cold]
 * `rules`: that many of the engine benchmark's generated rules (ordinary size: 1–4 conditions,
 * some nested) are put in place first (their own walk gives everyone its flags, timed apart), so the
 * measured backfill evaluates each participant against them all. `cold` stores those rules without their
 * own walks instead, so the measured backfill is also everyone's first evaluation against them, writing
 * every flag they set: an upper bound, and far quicker to set up than 200 walks of the population.
 * On the embedded PGlite (in memory) by default; with DATABASE_URL set, on that PostgreSQL database
 * (use an empty one: the script writes participants into it). It runs the compiled service from dist/:
 * Nest needs the decorator metadata that tsc emits and tsx does not.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';

const dist = <T>(path: string) => import(new URL(`../dist/${path}`, import.meta.url).href) as Promise<T>;
const { createApp } = await dist<typeof import('../src/app.js')>('src/app.js');
const { BackfillRepository } = await dist<typeof import('../src/backfill/backfill.repository.js')>('src/backfill/backfill.repository.js');
const { loadConfig } = await dist<typeof import('../src/config/config.js')>('src/config/config.js');
const { RulesRepository } = await dist<typeof import('../src/rules/rules.repository.js')>('src/rules/rules.repository.js');
const { RulesService } = await dist<typeof import('../src/rules/rules.service.js')>('src/rules/rules.service.js');

const participants = Number(process.argv[2] ?? 100_000);
const batch = process.argv[3] ?? '1000';
const ruleCount = Number(process.argv[4] ?? 0);
const cold = process.argv[5] === 'cold';

const app = await createApp(
  loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    JOURNEY_DATA_DIR: ':memory:',
    JOURNEY_BACKFILL_BATCH_SIZE: batch,
    JOURNEY_API_KEYS: 'admin:measure-admin-key',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  }),
);
await app.init();
const db = app.get(DataSource);
const repo = app.get(BackfillRepository);
const settled = async (ruleIds: string[]) => {
  for (;;) {
    const rows = await Promise.all(ruleIds.map((id) => repo.findByRule(id)));
    if (rows.every((b) => b && b.status !== 'running')) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
};
// The default rules are backfilled over nobody at start-up: let that finish first.
await settled((await app.get(RulesService).list()).filter((r) => r.active).map((r) => r.doc.id));

// The population: every participant with an enrollment, half of them with two language sessions.
let t = Date.now();
await db.query(
  `INSERT INTO participants (user_id, first_seen_at, last_event_at, evaluated_at)
   SELECT md5('p' || i)::uuid, now() - interval '30 days', now() - interval '1 day', now() - interval '1 day' FROM generate_series(1, $1) i`,
  [participants],
);
await db.query(
  `INSERT INTO participant_records (user_id, entity, record_key, fields, occurred_at)
   SELECT md5('p' || i)::uuid, 'program_enrollments', 'enr-' || i, '{"program_type":"language","status":"active"}', now() - interval '30 days'
   FROM generate_series(1, $1) i`,
  [participants],
);
await db.query(
  `INSERT INTO participant_records (user_id, entity, record_key, fields, occurred_at)
   SELECT md5('p' || i)::uuid, 'kintell_sessions', 's' || k || '-' || i,
          '{"session_type":"language","duration_minutes":45,"rating":5}', now() - (k || ' days')::interval
   FROM generate_series(1, $1, 2) i, generate_series(1, 2) k`,
  [participants],
);
console.log(`population: ${participants} participants in ${((Date.now() - t) / 1000).toFixed(1)} s`);

if (ruleCount > 0) {
  // The rule set in place first: one walk gives everyone its flags (not what is measured).
  t = Date.now();
  const { generateRules } = await import('../bench/engine/generate.js');
  const docs = generateRules(ruleCount, Date.now());
  if (cold) {
    const rules = app.get(RulesRepository);
    await db.transaction(async (tx) => {
      for (const doc of docs) await rules.insert(tx, doc, 'admin');
    });
    console.log(`${ruleCount} rules stored, nobody evaluated against them yet (cold)`);
  } else {
    for (const doc of docs) await app.get(RulesService).create(doc, 'admin');
    await settled(docs.map((d) => d.id));
    console.log(`${ruleCount} rules in place, everyone evaluated against them in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
}

t = Date.now();
await app.get(RulesService).create(
  {
    id: 'measure_backfill',
    name: 'Two language sessions',
    flag: 'measured',
    priority: 1,
    conditions: [{ type: 'count', entity: 'kintell_sessions', field: 'session_type', value: 'language', count: '>=', count_value: 2 }],
    actions: [
      { type: 'set_flag', flag: 'measured' },
      { type: 'emit_event', event: 'journey.measure.reached' },
    ],
  },
  'admin',
);
const [b] = await settled(['measure_backfill']);
const seconds = (Date.now() - t) / 1000;
const [{ n }]: { n: number }[] = await db.query(`SELECT count(*)::int AS n FROM journey_flags WHERE flag = 'measured' AND value`);
console.log(
  `backfill: ${b!.status}, ${b!.processed}/${b!.total} participants in ${seconds.toFixed(1)} s (${Math.round(b!.processed / seconds)}/s, batch ${batch}, ${ruleCount} more rules${cold ? ', cold' : ''}); ${n} flags set`,
);
await app.close();
