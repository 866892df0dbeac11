/** JSON Schema (2020-12, with $defs) → OpenAPI component schemas, so one contract serves both. */
export function componentsFrom(schema: Record<string, unknown>, prefix: string): Record<string, object> {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$schema' || k === '$id' || k === '$defs' || k === 'discriminator') continue;
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) out.$ref = `#/components/schemas/${prefix}_${v.slice(8)}`;
      else out[k] = rewrite(v);
    }
    return out;
  };
  const components: Record<string, object> = { [prefix]: rewrite(schema) as object };
  for (const [name, def] of Object.entries((schema.$defs ?? {}) as Record<string, unknown>))
    components[`${prefix}_${name}`] = rewrite(def) as object;
  return components;
}

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const PROBLEM_SCHEMA = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    problems: {
      type: 'array',
      items: {
        type: 'object',
        properties: { index: { type: 'integer' }, path: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
};
