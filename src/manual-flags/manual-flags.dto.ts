import { invalid } from '../common/errors.js';
import { instantProblem } from '../contracts/instant.js';
import { NAME_PATTERN } from '../contracts/rule.js';
import type { Problem } from '../contracts/validation.js';

export interface ManualFlagBody {
  value: boolean;
  expiresAt: number | null;
  reason: string;
}

const NAME = new RegExp(NAME_PATTERN);
const FIELDS = ['value', 'expiresAt', 'reason'];

export function checkFlagName(flag: string): string {
  if (!NAME.test(flag))
    throw invalid('invalid flag name', [{ path: 'flag', reason: 'must be a flag name (1–100 letters, digits, _ . -)' }]);
  return flag;
}

/** The body of PUT /journey/flags/:userId/:flag, or a 400 listing each problem. */
export function parseManualFlagBody(body: unknown, now: number): ManualFlagBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('the body must be a JSON object', [{ path: '', reason: 'must be an object with value and reason' }]);
  const b = body as Record<string, unknown>;
  const problems: Problem[] = Object.keys(b)
    .filter((k) => !FIELDS.includes(k))
    .map((k) => ({ path: k, reason: 'is not allowed (unknown field)' }));
  if (typeof b.value !== 'boolean') problems.push({ path: 'value', reason: 'is required and must be a boolean' });
  if (typeof b.reason !== 'string' || b.reason.trim().length === 0 || b.reason.length > 500)
    problems.push({ path: 'reason', reason: 'is required: why the flag is set by hand (1–500 characters)' });
  let expiresAt: number | null = null;
  if (b.expiresAt !== undefined && b.expiresAt !== null) {
    const problem = typeof b.expiresAt === 'string' ? instantProblem(b.expiresAt) : 'must be a date-time string';
    if (problem) problems.push({ path: 'expiresAt', reason: problem });
    else if (Date.parse(b.expiresAt as string) <= now) problems.push({ path: 'expiresAt', reason: 'must be in the future' });
    else expiresAt = Date.parse(b.expiresAt as string);
  }
  if (problems.length) throw invalid('invalid manual flag', problems);
  return { value: b.value as boolean, expiresAt, reason: (b.reason as string).trim() };
}

export const MANUAL_FLAG_BODY_SCHEMA = {
  type: 'object',
  required: ['value', 'reason'],
  additionalProperties: false,
  properties: {
    value: { type: 'boolean' },
    expiresAt: {
      type: 'string',
      format: 'date-time',
      nullable: true,
      description: 'When the flag falls back to false (optional, in the future)',
    },
    reason: { type: 'string', minLength: 1, maxLength: 500 },
  },
  example: { value: true, expiresAt: '2026-03-01T00:00:00Z', reason: 'Coordinator confirmed readiness by phone' },
};

export const MANUAL_FLAG_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    userId: { type: 'string', format: 'uuid' },
    flag: {
      type: 'object',
      nullable: true,
      description: 'The flag as readers see it now (null: no rule holds it after a hand-back)',
      properties: {
        flag: { type: 'string' },
        value: { type: 'boolean' },
        setByRule: { type: 'string' },
        setAt: { type: 'string', format: 'date-time' },
        expiresAt: { type: 'string', format: 'date-time', nullable: true },
      },
    },
  },
  example: {
    userId: '7d3f1c2e-0000-4000-8000-000000000001',
    flag: {
      flag: 'mentor_ready',
      value: true,
      setByRule: 'manual',
      setAt: '2025-12-05T10:02:11.530Z',
      expiresAt: '2026-03-01T00:00:00.000Z',
    },
  },
};
