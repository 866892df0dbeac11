/** POST /journey/simulate's body: checked by the same validators as the ingest and the rules API. */
import { invalid } from '../common/errors.js';
import type { EventEnvelope } from '../contracts/events.js';
import { instantProblem, LATEST_INSTANT } from '../contracts/instant.js';
import type { RuleDocument } from '../contracts/rule.js';
import { validateEvent, validateRule, type Problem } from '../contracts/validation.js';

export const MAX_SIMULATED_EVENTS = 5000;
export const MAX_SIMULATED_RULES = 200;
/** How long after the last event the journey runs when no `until` is given. */
export const DEFAULT_HORIZON_DAYS = 90;
const DAY = 86_400_000;

export interface SimulateRequest {
  events: EventEnvelope[];
  /** Absent: the active rules. */
  rules?: RuleDocument[];
  until: number;
}

const FIELDS = new Set(['events', 'rules', 'until']);

/** Every problem of the body, each with its path (`events[3].data.userId`, `rules[0].conditions`), or the request. */
export function parseSimulateRequest(body: unknown): SimulateRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw invalid('the simulation request is invalid', [{ path: '', reason: 'must be an object {events, rules?, until?}' }]);
  const input = body as Record<string, unknown>;
  const problems: Problem[] = [];
  for (const k of Object.keys(input)) if (!FIELDS.has(k)) problems.push({ path: k, reason: 'is not a known field' });

  const events: EventEnvelope[] = [];
  if (!Array.isArray(input.events) || input.events.length === 0)
    problems.push({ path: 'events', reason: 'must be a non-empty array of event envelopes' });
  else if (input.events.length > MAX_SIMULATED_EVENTS)
    problems.push({ path: 'events', reason: `${input.events.length} events, at most ${MAX_SIMULATED_EVENTS}` });
  else
    input.events.forEach((item, i) => {
      const r = validateEvent(item);
      if (r.ok) events.push(r.event);
      else problems.push(...r.problems.map((p) => ({ path: prefixed(`events[${i}]`, p.path), reason: p.reason })));
    });

  let rules: RuleDocument[] | undefined;
  if (input.rules !== undefined) {
    if (!Array.isArray(input.rules)) problems.push({ path: 'rules', reason: 'must be an array of rule documents' });
    else if (input.rules.length > MAX_SIMULATED_RULES)
      problems.push({ path: 'rules', reason: `${input.rules.length} rules, at most ${MAX_SIMULATED_RULES}` });
    else {
      rules = [];
      const ids = new Set<string>();
      input.rules.forEach((item, i) => {
        const r = validateRule(item);
        if (!r.ok) return problems.push(...r.problems.map((p) => ({ path: prefixed(`rules[${i}]`, p.path), reason: p.reason })));
        if (ids.has(r.rule!.id)) problems.push({ path: `rules[${i}].id`, reason: `"${r.rule!.id}" is given twice` });
        ids.add(r.rule!.id);
        rules!.push(r.rule!);
      });
    }
  }

  const last = events.length ? Math.max(...events.map((e) => Date.parse(e.timestamp))) : NaN;
  // The horizon stops at the latest instant the contracts hold.
  let until = Math.min(last + DEFAULT_HORIZON_DAYS * DAY, Date.parse(LATEST_INSTANT));
  if (input.until !== undefined) {
    const why = typeof input.until === 'string' ? instantProblem(input.until) : 'must be a date-time string';
    if (why) problems.push({ path: 'until', reason: why });
    else {
      until = Date.parse(input.until as string);
      if (until < last) problems.push({ path: 'until', reason: `is before the last event (${new Date(last).toISOString()})` });
    }
  }
  if (problems.length) throw invalid('the simulation request is invalid', problems);
  return { events, rules, until };
}

const prefixed = (prefix: string, path: string) => (path ? (path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`) : prefix);
