/*
 * Renders a template by walking its parsed tree, for runtimes that forbid generating code
 * from strings (Cloudflare Workers: `Handlebars.compile` builds its renderer with `new
 * Function`, which throws there). It follows Handlebars' own rules for the subset that
 * validateTemplate admits (printed paths, the date/time/at/hours helpers, #if, #unless,
 * #each, #with, @root, @index/@first/@last/@key, ../), in strict mode without escaping, as
 * index.ts compiles them; tests hold it to the compiled output. Anything outside that subset
 * is refused rather than guessed at.
 */
import Handlebars from 'handlebars';

type Helper = (this: unknown, ...args: unknown[]) => unknown;
type Frame = { root: unknown; index?: number; first?: boolean; last?: boolean; key?: string | number; _parent?: Frame };

class TemplateRuntimeError extends Error {
  constructor(
    message: string,
    readonly lineNumber?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'Error';
  }
}

/** Handlebars' own-property rule: a value inherited from a prototype (toString, constructor) is not printed. */
function lookupProperty(parent: unknown, name: string): unknown {
  const result = (parent as Record<string, unknown>)[name];
  if (result == null) return result;
  return Object.prototype.hasOwnProperty.call(parent, name) ? result : undefined;
}

/** Handlebars' isEmpty: falsy but 0, or an empty array. */
const isEmpty = (value: unknown) => (!value && value !== 0) || (Array.isArray(value) && value.length === 0);

export function interpretTemplate(source: string, helpers: Record<string, Helper>): (root: Record<string, unknown>) => string {
  const program = Handlebars.parse(source);
  return (root) => renderProgram(program, [root], { root });

  function renderProgram(node: hbs.AST.Program | undefined, contexts: unknown[], data: Frame): string {
    if (!node) return '';
    let out = '';
    for (const stmt of node.body) out += renderStatement(stmt, contexts, data);
    return out;
  }

  function renderStatement(node: hbs.AST.Statement, contexts: unknown[], data: Frame): string {
    switch (node.type) {
      case 'ContentStatement':
        return (node as hbs.AST.ContentStatement).value;
      case 'CommentStatement':
        return '';
      case 'MustacheStatement': {
        const m = node as hbs.AST.MustacheStatement;
        const value =
          m.params.length > 0 || m.hash || isHelperName(m.path)
            ? callHelper(m.path as hbs.AST.PathExpression, m.params, m.hash, contexts, data, m.loc)
            : evaluate(m.path as hbs.AST.Expression, contexts, data, true);
        // noEscape: the value as `buffer += value` would add it
        return value != null ? '' + (value as string) : '';
      }
      case 'BlockStatement':
        return renderBlock(node as hbs.AST.BlockStatement, contexts, data);
      default:
        throw new TemplateRuntimeError(`${node.type} is not supported`, node.loc?.start.line);
    }
  }

  /** `{{name}}` alone calls a helper of that name (knownHelpersOnly: only registered helpers count). */
  function isHelperName(path: hbs.AST.PathExpression | hbs.AST.Literal): boolean {
    const p = path as hbs.AST.PathExpression;
    return p.type === 'PathExpression' && !p.data && p.depth === 0 && p.parts.length === 1 && Object.prototype.hasOwnProperty.call(helpers, p.original);
  }

  function renderBlock(block: hbs.AST.BlockStatement, contexts: unknown[], data: Frame): string {
    const name = block.path.original;
    let value = evaluate(block.params[0]!, contexts, data, false);
    const current = contexts[0];
    if (typeof value === 'function') value = (value as Helper).call(current);
    // a new context is pushed for ../ only when it differs from the current one, as Handlebars does
    const inner = (ctx: unknown, frame: Frame) => renderProgram(block.program, ctx !== current ? [ctx, ...contexts] : contexts, frame);
    switch (name) {
      case 'if':
        return !value || isEmpty(value) ? renderProgram(block.inverse, contexts, data) : inner(current, data);
      case 'unless':
        return !value || isEmpty(value) ? inner(current, data) : renderProgram(block.inverse, contexts, data);
      case 'with':
        return isEmpty(value) ? renderProgram(block.inverse, contexts, data) : inner(value, data);
      case 'each': {
        let out = '';
        let count = 0;
        if (Array.isArray(value)) {
          value.forEach((item, i) => {
            out += inner(item, { ...data, _parent: data, key: i, index: i, first: i === 0, last: i === value.length - 1 });
          });
          count = value.length;
        } else if (value && typeof value === 'object') {
          const keys = Object.keys(value);
          keys.forEach((key, i) => {
            out += inner((value as Record<string, unknown>)[key], { ...data, _parent: data, key, index: i, first: i === 0, last: i === keys.length - 1 });
          });
          count = keys.length;
        }
        return count === 0 ? renderProgram(block.inverse, contexts, data) : out;
      }
      default:
        throw new TemplateRuntimeError(`unknown block "#${name}"`, block.loc?.start.line);
    }
  }

  function callHelper(
    path: hbs.AST.PathExpression,
    params: hbs.AST.Expression[],
    hash: hbs.AST.Hash | undefined,
    contexts: unknown[],
    data: Frame,
    loc: hbs.AST.SourceLocation,
  ): unknown {
    const helper = helpers[path.original];
    if (!helper || path.original in { if: 1, unless: 1, each: 1, with: 1 }) {
      throw new TemplateRuntimeError(`unknown helper "${path.original}"`, loc?.start.line);
    }
    const args = params.map((p) => evaluate(p, contexts, data, false));
    const hashValues: Record<string, unknown> = {};
    for (const pair of hash?.pairs ?? []) hashValues[pair.key] = evaluate(pair.value, contexts, data, false);
    return helper.call(contexts[0], ...args, { name: path.original, hash: hashValues, data, loc });
  }

  function evaluate(expr: hbs.AST.Expression, contexts: unknown[], data: Frame, requireTerminal: boolean): unknown {
    switch (expr.type) {
      case 'StringLiteral':
      case 'NumberLiteral':
      case 'BooleanLiteral':
        return (expr as hbs.AST.StringLiteral).value;
      case 'UndefinedLiteral':
        return undefined;
      case 'NullLiteral':
        return null;
      case 'SubExpression': {
        const sub = expr as hbs.AST.SubExpression;
        return callHelper(sub.path as hbs.AST.PathExpression, sub.params, sub.hash, contexts, data, sub.loc);
      }
      case 'PathExpression': {
        const p = expr as hbs.AST.PathExpression;
        let start: unknown;
        if (p.data) {
          let frame: Frame | undefined = data;
          for (let d = 0; d < p.depth && frame; d++) frame = frame._parent;
          start = frame;
        } else {
          if (p.parts.length === 0) return contexts[p.depth];
          start = contexts[p.depth];
        }
        return strictLookup(start, p.parts, requireTerminal, p.loc);
      }
      default:
        throw new TemplateRuntimeError(`${expr.type} is not supported`, expr.loc?.start.line);
    }
  }

  /** Strict mode: every step but the last is read as is (a missing parent throws), the last must exist when printed. */
  function strictLookup(start: unknown, parts: string[], requireTerminal: boolean, loc: hbs.AST.SourceLocation): unknown {
    let value = start;
    const last = requireTerminal ? parts.length - 1 : parts.length;
    for (let i = 0; i < last; i++) {
      if (value == null) throw new TemplateRuntimeError(`Cannot read properties of ${value} (reading '${parts[i]}')`);
      value = lookupProperty(value, parts[i]!);
    }
    if (!requireTerminal) return value;
    const name = parts[last]!;
    if (!value || !(name in (value as object))) {
      throw new TemplateRuntimeError(`"${name}" not defined in ${value}`, loc?.start.line, loc?.start.column);
    }
    return lookupProperty(value, name);
  }
}
