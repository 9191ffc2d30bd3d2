import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import Handlebars from 'handlebars';
import { interpretTemplate } from '../../../templates/interpret';

/*
 * The interpreter stands in for Handlebars.compile where code generation is forbidden (the
 * edge). It must render exactly what the compiled template renders: every shipped template
 * with its sample values, and random templates of the admitted subset on random data.
 */

type Templates = typeof import('../../../templates/index');

/** A fresh copy of templates/index.ts; with `interpreted`, one that finds code generation forbidden, as on Workers. */
async function loadTemplates(interpreted: boolean): Promise<Templates> {
  vi.resetModules();
  const mod = (await import('../../../templates/index')) as Templates;
  if (interpreted) {
    const real = globalThis.Function;
    // the module asks once, at its first render: answer as Workers do, then put Function back
    globalThis.Function = function () {
      throw new EvalError('Code generation from strings disallowed for this context');
    } as unknown as FunctionConstructor;
    try {
      mod.renderTemplate({ purpose: 'help', language: 'en', channel: 'sms', vars: mod.sampleVars('help') as never });
    } finally {
      globalThis.Function = real;
    }
  }
  return mod;
}

afterEach(() => vi.resetModules());

describe('templates without code generation', () => {
  it('renders every shipped template exactly as the compiled one does', async () => {
    const compiled = await loadTemplates(false);
    const interpreted = await loadTemplates(true);
    const keys = compiled.listTemplates();
    expect(keys.length).toBeGreaterThan(100);
    for (const key of keys) {
      const input = { ...key, vars: compiled.sampleVars(key.purpose) as never, timeZone: 'America/Chicago' };
      const a = compiled.renderTemplate(input);
      const b = interpreted.renderTemplate(input);
      expect(b, `${key.purpose}.${key.language}.${key.channel}`).toEqual(a);
    }
  });

  it('reports a missing variable the same way', async () => {
    const compiled = await loadTemplates(false);
    const interpreted = await loadTemplates(true);
    const input = { purpose: 'help' as const, language: 'en', channel: 'sms' as const, vars: { practice: { name: 'Clinic' } } };
    expect(() => interpreted.renderTemplate(input)).toThrow(/missing variable "practice.phone"/);
    expect(() => compiled.renderTemplate(input)).toThrow(/missing variable "practice.phone"/);
  });
});

// Random templates of the admitted subset: printed paths, a helper with literal and path
// arguments and a hash, #if/#unless/#each/#with with else, ../ and @data inside #each.
const names = ['a', 'b', 'c', 'items'] as const;
const path = fc.oneof(
  fc.constantFrom(...names),
  fc.tuple(fc.constantFrom(...names), fc.constantFrom(...names)).map(([x, y]) => `${x}.${y}`),
  fc.constantFrom('this', '@root.a', '../a'),
);
const literal = fc.oneof(fc.constant('"s"'), fc.constant('1'), fc.constant('true'), fc.constant('null'));
const content = fc.constantFrom('x', ' ', '\n', 'y z', '\n  \n');
const template: fc.Arbitrary<string> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    content,
    path.map((p) => `{{${p}}}`),
    fc.tuple(fc.array(fc.oneof(path, literal), { maxLength: 2 }), fc.option(fc.oneof(path, literal), { nil: undefined })).map(
      ([args, style]) => `{{echo ${args.join(' ')}${style ? ` style=${style}` : ''}}}`,
    ),
    fc.constantFrom('{{@index}}', '{{@first}}', '{{@last}}', '{{@key}}', '{{! a comment }}'),
    fc
      .tuple(fc.constantFrom('if', 'unless', 'each', 'with'), path, tie('body'), fc.option(tie('body'), { nil: undefined }))
      .map(([block, p, body, inverse]) => `{{#${block} ${p}}}${body}${inverse !== undefined ? `{{else}}${inverse}` : ''}{{/${block}}}`),
  ),
  body: fc.array(tie('node'), { maxLength: 4 }).map((parts) => parts.join('')),
})).body as fc.Arbitrary<string>;

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(0, 1, '', 'text', true, false, null, undefined, []),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...names), tie('v'), { maxKeys: 3 }),
  ),
})).v;
const data = fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 4 });

/** A helper that shows what it was given, including its options' hash and root. */
function echo(this: unknown, ...all: unknown[]): string {
  const options = all.pop() as { hash: Record<string, unknown>; data: { root: unknown } };
  return JSON.stringify({ args: all, hash: options.hash, root: Object.keys(options.data.root as object) });
}

function outcome(render: () => string): { ok: string } | { threw: true } {
  try {
    return { ok: render() };
  } catch {
    return { threw: true };
  }
}

describe('interpretTemplate against Handlebars.compile', () => {
  it('renders random templates of the admitted subset the same, or refuses the same', () => {
    const engine = Handlebars.create();
    engine.registerHelper('echo', echo);
    const options = { strict: true, noEscape: true, knownHelpers: { echo: true }, knownHelpersOnly: true };
    fc.assert(
      fc.property(template, data, (source, root) => {
        let parsed = true;
        try {
          Handlebars.parse(source);
        } catch {
          parsed = false;
        }
        fc.pre(parsed);
        const expected = outcome(() => engine.compile(source, options)(root));
        const actual = outcome(() => interpretTemplate(source, engine.helpers as never)(root));
        expect(actual).toEqual(expected);
      }),
      { numRuns: 500, seed: 17 },
    );
  });
});
