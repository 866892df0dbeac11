/**
 * What the service logs: JSON lines with a request id, and never an API key, whichever header carried it.
 */
import { Logger, type INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { loggerOptions, withCorrelation } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/config.js';
import { KEYS } from '../support/app.js';
import { ev } from '../support/events.js';

const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'debug',
  JOURNEY_DATA_DIR: ':memory:',
  JOURNEY_API_KEYS: `admin:${KEYS.admin},service:${KEYS.service},reader:${KEYS.reader}`,
});

describe('logs', () => {
  const lines: string[] = [];
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(config, { logStream: { write: (line: string) => void lines.push(line) } });
    await app.init();
  }, 90_000);
  afterAll(() => app.close());

  it('are JSON lines, each request with its id, and no key ever appears — in any header, valid or not', async () => {
    const http = request(app.getHttpServer());
    const unknownKey = 'not-a-known-key-0987654321';
    await http.get('/journey/rules').set('Authorization', `Bearer ${KEYS.reader}`).set('X-Request-Id', 'req-bearer').expect(200);
    await http.get('/journey/rules').set('X-API-Key', KEYS.service).set('X-Request-Id', 'req-header').expect(200);
    await http.get('/journey/rules').set('Authorization', `Bearer ${unknownKey}`).set('X-Request-Id', 'req-unknown').expect(401);
    await http.post('/journey/rules').set('X-API-Key', KEYS.reader).send({ id: 'x' }).expect(403);
    await http.post('/journey/rules').set('Authorization', `Bearer ${KEYS.admin}`).send({ id: 'broken' }).expect(400);
    await http
      .get('/journey/rules')
      .set('Authorization', `Basic ${Buffer.from(`u:${KEYS.admin}`).toString('base64')}`)
      .expect(401);

    const text = lines.join('');
    for (const secret of [...Object.values(KEYS), unknownKey, Buffer.from(`u:${KEYS.admin}`).toString('base64')]) {
      expect(text).not.toContain(secret);
    }
    type Entry = { level: number; req?: { id: string; headers: Record<string, string> }; res?: { statusCode: number } };
    const entries = lines.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((line) => JSON.parse(line) as Entry);
    const requests = entries.filter((e): e is Entry & { req: NonNullable<Entry['req']> } => e.req !== undefined);
    expect(requests.map((e) => e.req.id)).toEqual(expect.arrayContaining(['req-bearer', 'req-header', 'req-unknown']));
    for (const e of requests) expect(typeof e.req.id).toBe('string');
    const bearer = requests.find((e) => e.req.id === 'req-bearer')!;
    expect(bearer).toMatchObject({ level: 30, req: { method: 'GET', url: '/journey/rules', headers: { authorization: '[redacted]' } } });
    expect(requests.find((e) => e.req.id === 'req-header')!.req.headers['x-api-key']).toBe('[redacted]');
    expect(requests.find((e) => e.req.id === 'req-unknown')).toMatchObject({ level: 40, res: { statusCode: 401 } });
  });

  it('off HTTP (backfills, the scheduler, Kafka batches), every line carries a correlation id', async () => {
    const http = request(app.getHttpServer());
    const user = randomUUID();
    await http
      .post('/journey/events')
      .set('X-API-Key', KEYS.service)
      .send(ev.session(user, `s-${user}`, 5))
      .expect(200);
    // A new rule is backfilled over every participant, in the background: its lines have no request.
    const rule = `logged_${randomUUID().slice(0, 8)}`;
    await http
      .post('/journey/rules')
      .set('X-API-Key', KEYS.admin)
      .send({
        id: rule,
        name: 'Logged',
        flag: rule,
        priority: 5,
        conditions: [{ type: 'exists', entity: 'kintell_sessions', field: 'session_type', value: 'language' }],
        actions: [{ type: 'set_flag', flag: rule }],
      })
      .expect(201);
    type Entry = { context?: string; msg?: string; correlationId?: string; req?: unknown };
    const entries = () => lines.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((line) => JSON.parse(line) as Entry);
    const deadline = Date.now() + 20_000;
    while (!entries().some((e) => e.context === 'Backfill' && e.msg?.includes('completed')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    new Logger('KafkaConsumer').log('outside any work: no correlation id');
    await withCorrelation('kafka', async () => {
      await Promise.resolve();
      new Logger('KafkaConsumer').warn('within a batch, after an await');
    });

    const background = entries().filter((e) => e.context === 'Backfill');
    expect(background.length).toBeGreaterThan(0);
    for (const e of background) expect(e.correlationId).toMatch(/^backfill-[0-9a-f-]{36}$/);
    expect(entries().find((e) => e.msg === 'within a batch, after an await')?.correlationId).toMatch(/^kafka-/);
    expect(entries().find((e) => e.msg === 'outside any work: no correlation id')?.correlationId).toBeUndefined();
  });

  it('are pretty only on a terminal (and only where pino-pretty is installed)', () => {
    const tty = process.stdout.isTTY;
    try {
      process.stdout.isTTY = false;
      expect(JSON.stringify(loggerOptions(config))).not.toContain('pino-pretty');
      process.stdout.isTTY = true;
      expect(loggerOptions(config)).toMatchObject({ options: { transport: { target: 'pino-pretty' } } });
    } finally {
      process.stdout.isTTY = tty;
    }
  });
});
