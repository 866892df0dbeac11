/**
 * Preloaded into the service by the bench to see where a part's time goes in PostgreSQL:
 *   BENCH_SERVICE_NODE_ARGS="--import ./bench/service/sql-timing.mjs" npm run bench -- --only kafka
 * Every 5 s it appends to $BENCH_SQL_TIMING (default /tmp/journey-sql-timing.log) the statements
 * by total time: milliseconds from the call to its result (round trip, execution, parsing), calls,
 * and the statement's first 70 characters.
 */
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setInterval } from 'node:timers';

const out = process.env.BENCH_SQL_TIMING ?? '/tmp/journey-sql-timing.log';
const pg = createRequire(`${process.cwd()}/package.json`)('pg');
const totals = new Map();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, values, callback) {
  const text = typeof config === 'string' ? config : (config?.text ?? '');
  const label = text.replace(/\s+/g, ' ').trim().slice(0, 70);
  const started = performance.now();
  const result = query.call(this, config, values, callback);
  const count = () => {
    const t = totals.get(label) ?? { ms: 0, calls: 0 };
    t.ms += performance.now() - started;
    t.calls++;
    totals.set(label, t);
  };
  if (typeof result?.then === 'function') result.then(count, () => undefined);
  return result;
};
setInterval(() => {
  const rows = [...totals].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
  const lines = rows.map(([sql, t]) => `${Math.round(t.ms).toString().padStart(7)} ms ${String(t.calls).padStart(6)}x  ${sql}`);
  appendFileSync(out, `--- ${new Date().toISOString()} (pid ${process.pid})\n${lines.join('\n')}\n`);
}, 5000).unref();
