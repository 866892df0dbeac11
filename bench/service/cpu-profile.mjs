/**
 * Preloaded into the service by the bench to profile it while a part runs:
 *   BENCH_SERVICE_NODE_ARGS="--import ./bench/service/cpu-profile.mjs" npm run bench -- --only kafka,latency
 * then `kill -USR2 <service pid>` when the part is done, or let the bench stop it (SIGTERM): `node
 * --cpu-prof` would never write its file, as the service is stopped with a signal. Writes $BENCH_CPU_PROFILE_DIR/<pid>.cpuprofile
 * (default /tmp), to read with `npx tsx bench/cpuprofile.ts FILE`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import process from 'node:process';

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
await session.post('Profiler.start');
let written = false;
const write = () => {
  if (written) return;
  written = true;
  void session.post('Profiler.stop').then(({ profile }) => {
    writeFileSync(`${process.env.BENCH_CPU_PROFILE_DIR ?? '/tmp'}/${process.pid}.cpuprofile`, JSON.stringify(profile));
  });
};
process.on('SIGUSR2', write);
// The bench stops the service with SIGTERM: the whole part is profiled unless USR2 came first.
process.on('SIGTERM', write);
