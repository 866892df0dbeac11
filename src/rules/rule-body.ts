import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes } from '@nestjs/swagger';
import { parse, YAMLParseError } from 'yaml';
import { invalid } from '../common/errors.js';
import { CUSTOM_RULE, CUSTOM_RULE_YAML } from '../common/examples.js';
import { ref } from '../common/openapi.js';

export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

/** OpenAPI of a route that takes a whole rule document, as JSON or YAML, with the seed's custom rule as its example. */
export const RuleDocumentBody = () =>
  applyDecorators(
    ApiConsumes('application/json', ...YAML_TYPES),
    ApiBody({
      schema: ref('Rule'),
      examples: {
        json: { summary: "The seed's custom rule", value: CUSTOM_RULE },
        yaml: { summary: 'The same in YAML', value: CUSTOM_RULE_YAML },
      },
    }),
  );

/** A rule body arrives as parsed JSON, or as YAML text (Content-Type application/yaml). */
export function parseRuleBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return parse(body, { maxAliasCount: 50 });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const [line, col] = [e.linePos?.[0]?.line, e.linePos?.[0]?.col];
      throw invalid('the YAML could not be parsed', [{ path: '', reason: `${e.code} at line ${line}, column ${col}` }]);
    }
    // Alias bombs are refused with a ReferenceError ("Excessive alias count…"): the document's fault as well.
    throw invalid('the YAML could not be read', [{ path: '', reason: (e as Error).message }]);
  }
}
