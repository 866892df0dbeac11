/**
 * A typed client for the journey engine's HTTP API, for platform services written in TypeScript.
 * Plain `fetch` (Node ≥ 18, browsers), no dependencies. Its routes are checked against the service's
 * own OpenAPI document and driven against the running service by test/firsthour/client.test.ts, so a
 * drift between client and API fails CI.
 *
 *   const journey = new JourneyClient({ baseUrl: 'http://localhost:3009', apiKey: process.env.JOURNEY_API_KEY });
 *   if (await journey.hasFlag(userId, 'mentor_ready')) …
 *
 * The request and document types come from the engine's contracts (src/contracts), the same code the
 * engine validates with.
 */
import type { EventEnvelope, EventType } from '../contracts/events.js';
import type { RuleDocument } from '../contracts/rule.js';

export type { EventEnvelope, EventType, RuleDocument };

/** `{path, reason}`: one problem with a request (`conditions[0].count_value: must be number`). */
export interface Problem {
  path: string;
  reason: string;
  /** For event batches: which event. */
  index?: number;
}

export interface Flag {
  flag: string;
  value: boolean;
  setByRule: string;
  setAt: string;
  expiresAt: string | null;
}

export interface FlagsResponse {
  userId: string;
  flags: Flag[];
  count: number;
}

export interface FlagChange {
  flag: string;
  value: boolean;
  previousValue: boolean | null;
  setByRule: string;
  ruleVersion: number | null;
  reason: string;
  causedBy: string | null;
  explanation: unknown;
  changedAt: string;
  /** The program time of what caused the change (the latest causing event's timestamp, a due instant, a manual action). */
  occurredAt: string;
}

export interface HistoryResponse {
  userId: string;
  history: FlagChange[];
  count: number;
}

export interface Milestone {
  milestone: string;
  reachedAt: string;
  triggeredByRule: string;
  metadata: Record<string, unknown>;
  /** The program time of what caused it. */
  occurredAt: string;
}

export interface MilestonesResponse {
  userId: string;
  milestones: Milestone[];
  count: number;
}

export interface EvaluationChange {
  type: 'flag_set' | 'flag_cleared' | 'milestone_reached' | 'event_emitted';
  ruleId: string;
  flag?: string;
  value?: boolean;
  milestone?: string;
  event?: string;
  reason?: string;
}

export interface EvaluationResponse {
  userId: string;
  evaluatedRules: string[];
  triggeredRules: string[];
  changes: EvaluationChange[];
  timestamp: string;
  dryRun?: boolean;
}

export interface IngestResponse {
  /** New events. */
  accepted: number;
  /** Event ids seen before: changed nothing. */
  duplicates: number;
  /** New events waiting for the match or session that names their participant. */
  pending: number;
}

export type Rule = RuleDocument & { version: number; createdAt: string; updatedAt: string };

export interface RulesResponse {
  rules: Rule[];
  count: number;
}

export interface RuleWriteResponse {
  rule: Rule;
  warnings: Problem[];
}

export interface ConditionTrace {
  path: string;
  type: string;
  entity?: string;
  field?: string;
  actual?: unknown;
  expected?: unknown;
  result: boolean;
  note?: string;
  needs?: string;
  becomesTrueAt?: string;
  conditions?: ConditionTrace[];
}

export interface ExplainResponse {
  ruleId: string;
  userId: string;
  asOf: string;
  active: boolean;
  matched: boolean;
  conditions: ConditionTrace[];
  nextChangeAt: string | null;
}

export interface ContextResponse {
  userId: string;
  known: boolean;
  firstSeenAt: string | null;
  entities: Record<string, { records: Record<string, unknown>[]; derived: Record<string, unknown> }>;
}

/** An answer other than 2xx: the status, the message and, for invalid input, each problem. */
export class JourneyApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
    this.name = 'JourneyApiError';
  }
}

/** Every route this client calls, by method: what the drift test checks against /docs-json. */
export const ROUTES = {
  getFlags: ['GET', '/journey/flags/{userId}'],
  getFlagHistory: ['GET', '/journey/flags/{userId}/history'],
  evaluate: ['POST', '/journey/flags/{userId}/evaluate'],
  getMilestones: ['GET', '/journey/milestones/{userId}'],
  sendEvents: ['POST', '/journey/events'],
  listRules: ['GET', '/journey/rules'],
  getRule: ['GET', '/journey/rules/{id}'],
  createRule: ['POST', '/journey/rules'],
  updateRule: ['PUT', '/journey/rules/{id}'],
  explain: ['GET', '/journey/rules/{id}/explain/{userId}'],
  getContext: ['GET', '/journey/context/{userId}'],
} as const;

export interface JourneyClientOptions {
  /** e.g. http://localhost:3009 */
  baseUrl: string;
  /** A key from the engine's JOURNEY_API_KEYS (reader, service or admin, as the route needs). */
  apiKey?: string;
  /** Another fetch (tests, retries, tracing). */
  fetch?: typeof fetch;
}

export class JourneyClient {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly options: JourneyClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.doFetch = options.fetch ?? fetch;
  }

  /** The participant's current flags. */
  getFlags(userId: string): Promise<FlagsResponse> {
    return this.call('getFlags', { userId });
  }

  /** Whether the participant holds `flag` (set and not expired). */
  async hasFlag(userId: string, flag: string): Promise<boolean> {
    const { flags } = await this.getFlags(userId);
    return flags.some((f) => f.flag === flag && f.value);
  }

  getFlagHistory(userId: string): Promise<HistoryResponse> {
    return this.call('getFlagHistory', { userId });
  }

  /** Evaluates every active rule for the participant now (a service key); `dryRun` writes nothing, `asOf` needs it. */
  evaluate(userId: string, options: { dryRun?: boolean; asOf?: string } = {}): Promise<EvaluationResponse> {
    const query = new URLSearchParams();
    if (options.dryRun) query.set('dryRun', 'true');
    if (options.asOf) query.set('asOf', options.asOf);
    return this.call('evaluate', { userId }, undefined, query);
  }

  getMilestones(userId: string): Promise<MilestonesResponse> {
    return this.call('getMilestones', { userId });
  }

  /** One event or a batch (all-or-nothing validation; duplicates by id change nothing). */
  sendEvents(events: EventEnvelope | EventEnvelope[]): Promise<IngestResponse> {
    return this.call('sendEvents', {}, events);
  }

  listRules(): Promise<RulesResponse> {
    return this.call('listRules', {});
  }

  getRule(id: string): Promise<Rule> {
    return this.call('getRule', { id });
  }

  createRule(rule: RuleDocument): Promise<RuleWriteResponse> {
    return this.call('createRule', {}, rule);
  }

  updateRule(id: string, changes: Partial<RuleDocument>): Promise<RuleWriteResponse> {
    return this.call('updateRule', { id }, changes);
  }

  /** Why the rule does (not) match the participant, condition by condition, and when time alone changes that. */
  explain(ruleId: string, userId: string, asOf?: string): Promise<ExplainResponse> {
    return this.call('explain', { id: ruleId, userId }, undefined, asOf ? new URLSearchParams({ asOf }) : undefined);
  }

  /** What the rules see of the participant. */
  getContext(userId: string): Promise<ContextResponse> {
    return this.call('getContext', { userId });
  }

  private async call<T>(route: keyof typeof ROUTES, params: Record<string, string>, body?: unknown, query?: URLSearchParams): Promise<T> {
    const [method, template] = ROUTES[route];
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]));
    const qs = query?.toString() ? `?${query.toString()}` : '';
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.doFetch(`${this.base}${path}${qs}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const e = (parsed ?? {}) as { message?: string; problems?: Problem[] };
      throw new JourneyApiError(res.status, `${method} ${path}: ${res.status} ${e.message ?? res.statusText}`, e.problems ?? []);
    }
    return parsed as T;
  }
}
