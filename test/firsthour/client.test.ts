/**
 * The typed client (src/client) against the running service: the seed's "is this user mentor_ready?"
 * and the calls a platform service makes, and every route it calls checked against the service's own
 * OpenAPI document, so a drift between client and API fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JourneyApiError, JourneyClient, ROUTES, type EventEnvelope, type RuleDocument } from '../../src/client/index.js';
import { KEYS } from '../support/app.js';
import { ROOT, startService, type Service } from './service.js';

const ANA = '7d3f1c2e-0000-4000-8000-000000000001';
const DEV = '7d3f1c2e-0000-4000-8000-000000000004';
const example = <T>(file: string) => JSON.parse(readFileSync(join(ROOT, 'examples', file), 'utf8')) as T;

interface Schema {
  properties?: object;
  $ref?: string;
}
interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
  components: { schemas: Record<string, Schema> };
}

describe('the typed client, against the running service', () => {
  let service: Service;
  let admin: JourneyClient;
  let platform: JourneyClient;
  beforeAll(async () => {
    service = await startService({ env: { JOURNEY_API_KEYS: `admin:${KEYS.admin},service:${KEYS.service},reader:${KEYS.reader}` } });
    admin = new JourneyClient({ baseUrl: service.url, apiKey: KEYS.admin });
    platform = new JourneyClient({ baseUrl: `${service.url}/`, apiKey: KEYS.service });
  }, 300_000);
  afterAll(async () => {
    await service?.stop();
  });

  it("answers the seed's question: is this user mentor_ready?", async () => {
    expect(await platform.hasFlag(ANA, 'mentor_ready')).toBe(false);
    for (const batch of ['01-enrollments.json', '02-language-sessions.json', '03-outcome-scores.json', '04-buddy.json'])
      expect(await platform.sendEvents(example<EventEnvelope[]>(`events/${batch}`))).toMatchObject({ duplicates: 0, pending: 0 });

    // The README of src/client, as written there:
    const { flags } = await platform.getFlags(ANA);
    const mentorReady = flags.find((f) => f.flag === 'mentor_ready' && f.value);
    expect(mentorReady?.setByRule).toBe('mentor_ready_001');
    expect(await platform.hasFlag(ANA, 'mentor_ready')).toBe(true);

    const milestones = await platform.getMilestones(ANA);
    expect(milestones.milestones.map((m) => m.milestone)).toEqual(['mentor_ready']);
    const history = await platform.getFlagHistory(ANA);
    expect(history.history.find((h) => h.flag === 'mentor_ready')).toMatchObject({
      value: true,
      previousValue: null,
      setByRule: 'mentor_ready_001',
    });
    const explained = await platform.explain('mentor_ready_001', ANA);
    expect(explained.matched).toBe(true);
    expect(explained.conditions.map((c) => c.result)).toEqual([true, true]);
    const context = await platform.getContext(ANA);
    expect(context.entities.kintell_sessions.records).toHaveLength(3);
    const evaluated = await platform.evaluate(ANA, { dryRun: true, asOf: '2030-01-01T00:00:00Z' });
    expect(evaluated).toMatchObject({ userId: ANA, dryRun: true, changes: [] });
  });

  it('manages rules with an admin key, and reports refusals and invalid input as JourneyApiError', async () => {
    const custom = example<RuleDocument>('custom_rule.json');
    const created = await admin.createRule(custom);
    expect(created.rule).toMatchObject({ id: 'custom_rule_001', version: 1 });
    expect((await admin.updateRule('custom_rule_001', { priority: 11 })).rule.version).toBe(2);
    expect((await admin.getRule('custom_rule_001')).priority).toBe(11);
    expect((await admin.listRules()).rules.map((r) => r.id)).toContain('custom_rule_001');
    await admin.evaluate(DEV);
    expect(await admin.hasFlag(DEV, 'custom_flag')).toBe(true);

    const refused = await platform.createRule(custom).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(JourneyApiError);
    expect((refused as JourneyApiError).status).toBe(403);
    const invalid = await admin
      .createRule({ ...custom, id: 'custom_rule_002', priority: 'high' as unknown as number })
      .catch((e: unknown) => e);
    expect((invalid as JourneyApiError).status).toBe(400);
    expect((invalid as JourneyApiError).problems).toContainEqual({ path: 'priority', reason: expect.stringMatching(/integer|number/) });
  });

  it('calls only routes the OpenAPI document has, and gets back the fields it documents', async () => {
    const doc = (await (await fetch(`${service.url}/docs-json`)).json()) as OpenApi;
    for (const [name, [method, path]] of Object.entries(ROUTES))
      expect([name, method, path, !!doc.paths[path]?.[method.toLowerCase()]]).toEqual([name, method, path, true]);

    const documented = (method: string, path: string) => {
      const responses = doc.paths[path][method.toLowerCase()].responses;
      const ok = Object.keys(responses).find((c) => c.startsWith('2'))!;
      const schema = responses[ok].content?.['application/json']?.schema;
      // A response class is a component the entry refers to.
      const resolved = schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()!] : schema;
      return Object.keys(resolved?.properties ?? {}).sort();
    };
    const answers: [keyof typeof ROUTES, object][] = [
      ['getFlags', await platform.getFlags(ANA)],
      ['getFlagHistory', await platform.getFlagHistory(ANA)],
      ['getMilestones', await platform.getMilestones(ANA)],
      ['evaluate', await platform.evaluate(ANA)],
      ['explain', await platform.explain('mentor_ready_001', ANA)],
      ['getContext', await platform.getContext(ANA)],
      ['listRules', await platform.listRules()],
      ['sendEvents', await platform.sendEvents(example<EventEnvelope[]>('events/01-enrollments.json'))],
    ];
    for (const [name, answer] of answers) {
      const [method, path] = ROUTES[name];
      const fields = documented(method, path);
      for (const key of Object.keys(answer)) expect([name, key, fields.includes(key)]).toEqual([name, key, true]);
    }
  });
});
