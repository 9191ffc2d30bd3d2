import fc from 'fast-check';

/**
 * fast-check arbitraries made from the OpenAPI document's JSON schemas: mostly values of the
 * declared shape (so requests reach the code behind validation), mixed with hostile ones
 * (wrong types, NULs, lone surrogates, year-0 and year-275760 dates, huge numbers,
 * prototype keys, template and SQL syntax) at every level.
 */
export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  nullable?: boolean;
  default?: unknown;
};

export const hostileStrings = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff x',
  '\u202e\u200b',
  '💥'.repeat(50),
  "' OR 1=1 --",
  '"; drop table patients; --',
  '{{constructor.constructor}}',
  '{{#each this}}{{/each}}',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '../../etc/passwd',
  '%00',
  '%FF',
  '0000-01-01',
  '0000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '-000001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2026-02-30',
  '2026-13-01T00:00:00Z',
  '1e309',
  'NaN',
  '-1',
  'null',
  'true',
  '\r\n\r\n',
  '<script>alert(1)</script>',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'x'.repeat(5000),
];
export const hostileNumbers = [0, -1, -0, 0.5, 1e308, -1e308, 2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 1e-300, 1e12];

const hostileString = fc.oneof(fc.constantFrom(...hostileStrings), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom<unknown>(...hostileNumbers, null, true, false, [], {}, [null], { '': '' }),
);
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileScalar },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'x', 'id', 'practiceId'), hostileScalar, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.array(hostileScalar, { maxLength: 4 }) },
);

export function resolveRef(doc: unknown, ref: string): JsonSchema {
  const parts = ref.replace(/^#\//, '').split('/');
  let node = doc as Record<string, unknown>;
  for (const p of parts) node = node[p] as Record<string, unknown>;
  return node as JsonSchema;
}

/**
 * An arbitrary for `schema`; `pools` maps a property name (practiceId, patientId...) to real
 * values, so a fuzzed body can name real rows.
 */
export function arbitraryFor(doc: unknown, schema: JsonSchema | undefined, pools: Record<string, string[]>, depth = 0, name = ''): fc.Arbitrary<unknown> {
  const valid = validArbitrary(doc, schema, pools, depth, name);
  return fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: hostileValue });
}

function validArbitrary(doc: unknown, schema: JsonSchema | undefined, pools: Record<string, string[]>, depth: number, name: string): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return hostileScalar;
  if (schema.$ref) return validArbitrary(doc, resolveRef(doc, schema.$ref), pools, depth, name);
  const pool = pools[name];
  if (pool && pool.length > 0) return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: hostileString });
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => validArbitrary(doc, s, pools, depth + 1, name)));
  if (schema.allOf) return validArbitrary(doc, Object.assign({}, ...schema.allOf.map((s) => (s.$ref ? resolveRef(doc, s.$ref) : s))), pools, depth + 1, name);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : ['object'];
  const arbs = types.map((t) => typed(doc, t, schema, pools, depth, name));
  if (schema.nullable) arbs.push(fc.constant(null));
  return arbs.length === 1 ? arbs[0]! : fc.oneof(...arbs);
}

function typed(doc: unknown, type: string, schema: JsonSchema, pools: Record<string, string[]>, depth: number, name: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -1000, -1e9), max: Math.min(schema.maximum ?? 100_000, 1e9) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'string':
      return stringOf(schema);
    case 'array': {
      const max = Math.min(schema.maxItems ?? 4, 4);
      return fc.array(arbitraryFor(doc, schema.items, pools, depth + 1, name), { minLength: Math.min(schema.minItems ?? 0, max), maxLength: max });
    }
    default: {
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, s] of Object.entries(props)) shape[k] = arbitraryFor(doc, s, pools, depth + 1, k);
      const known = fc.record(shape, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) });
      const extra = fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', '\u0000'), hostileScalar, { maxKeys: 2 });
      return fc.tuple(known, fc.option(extra, { freq: 5 })).map(([k, e]) => (e ? { ...e, ...k } : k));
    }
  }
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  const max = Math.min(schema.maxLength ?? 60, 200);
  switch (schema.format) {
    case 'uuid':
      return fc.uuid();
    case 'date-time':
      return fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'date':
      return fc.date({ min: new Date('1920-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    case 'email':
      return fc.emailAddress();
    case 'uri':
    case 'url':
      return fc.webUrl();
    default:
      return fc.string({ minLength: Math.min(schema.minLength ?? 0, max), maxLength: max });
  }
}
