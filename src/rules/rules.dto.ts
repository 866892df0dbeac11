import type { Problem } from '../contracts/validation.js';
import type { RuleVersion, StoredRule } from './rules.repository.js';
import { ref } from '../common/openapi.js';

export const RULE_RESPONSE_SCHEMA = {
  allOf: [
    ref('Rule'),
    {
      type: 'object',
      properties: {
        version: { type: 'integer' },
        createdAt: { type: 'string', format: 'date-time' },
        updatedAt: { type: 'string', format: 'date-time' },
      },
    },
  ],
};

const PROBLEMS = { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, reason: { type: 'string' } } } };

export const RULE_VALIDATION_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['valid', 'problems', 'warnings'],
  properties: {
    valid: { type: 'boolean', description: 'Whether POST /journey/rules would accept the document (an existing id aside)' },
    problems: { ...PROBLEMS, description: 'Why it would be refused, each with its JSON path (conditions[0].entity)' },
    warnings: { ...PROBLEMS, description: 'Accepted, but probably not meant' },
  },
  example: { valid: false, problems: [{ path: 'conditions[0].entity', reason: 'must be one of: kintell_sessions, …' }], warnings: [] },
};

export const RULE_WRITE_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    rule: RULE_RESPONSE_SCHEMA,
    warnings: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, reason: { type: 'string' } } } },
  },
};

export function toRuleResponse(r: StoredRule) {
  return { ...r.doc, active: r.active, version: r.version, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() };
}

export function toRuleWriteResponse(r: { rule: StoredRule; warnings: Problem[] }) {
  return { rule: toRuleResponse(r.rule), warnings: r.warnings };
}

export const RULE_VERSIONS_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    ruleId: { type: 'string' },
    versions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          version: { type: 'integer' },
          document: ref('Rule'),
          createdBy: { type: 'string', description: 'The name of the key that wrote it (its role for a role:KEY key; seed, open)' },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
    },
    count: { type: 'integer' },
  },
};

export function toVersionsResponse(ruleId: string, versions: RuleVersion[]) {
  return {
    ruleId,
    versions: versions.map((v) => ({ version: v.version, document: v.doc, createdBy: v.createdBy, createdAt: v.createdAt.toISOString() })),
    count: versions.length,
  };
}
