/**
 * What a person sees when starting and stopping the service: on a terminal, a few readable lines
 * ending with one "ready" line (URL, database, Kafka, docs), none of Nest's per-route chatter; then a
 * line when it shuts down and one when it has stopped. In JSON (not a terminal) the same, as log lines.
 */
import { startService } from './service.js';

// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').replace(/\r/g, '');

describe('start-up and shutdown output', () => {
  it('on a terminal: readable lines ending start-up with one ready line, no route list; Ctrl-C logs the shutdown', async () => {
    const service = await startService({ tty: true });
    const started = plain(service.output());
    const ready = `ready: http://localhost:${service.port} · database: embedded PostgreSQL (PGlite, in memory) · Kafka: off · API docs: http://localhost:${service.port}/docs`;
    expect(started).toContain(ready);
    expect(started).not.toContain('Mapped {');
    expect(started).not.toContain('dependencies initialized');
    expect(started).not.toMatch(/^\{"level"/m); // pretty, not JSON
    // Everything up to the ready line fits on a screen.
    const before = started
      .slice(0, started.indexOf(ready))
      .split('\n')
      .filter((l) => l.trim());
    expect(before.length).toBeLessThan(10);

    await service.stop();
    const all = plain(service.output());
    expect(all).toContain('shutting down (SIGINT): finishing in-flight work');
    expect(all).toMatch(/stopped/);
  }, 180_000);

  it('as JSON lines: the same ready line, the route list only at debug level, SIGTERM logged and a clean exit', async () => {
    const service = await startService();
    const lines = () =>
      service
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: number; context?: string; msg: string });
    const ready = lines().find((l) => l.context === 'Journey');
    expect(ready?.msg).toBe(
      `ready: http://localhost:${service.port} · database: embedded PostgreSQL (PGlite, in memory) · Kafka: off · API docs: http://localhost:${service.port}/docs`,
    );
    expect(lines().filter((l) => /Mapped \{/.test(l.msg))).toEqual([]);
    expect(await service.stop()).toBe(0);
    expect(
      lines()
        .filter((l) => l.context === 'Journey')
        .map((l) => l.msg),
    ).toEqual([ready!.msg, 'shutting down (SIGTERM): finishing in-flight work', 'stopped']);

    const debug = await startService({ env: { LOG_LEVEL: 'debug' } });
    expect(debug.output()).toContain('Mapped {/journey/rules, GET} route');
    await debug.stop();
  }, 180_000);
});
