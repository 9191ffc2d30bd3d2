/*
 * Reads a template's Handlebars syntax tree and lists every variable it uses, with its full
 * path (`slots[].startsAt` inside `{{#each slots}}`), where it is, and whether an `{{#if}}`
 * guards it. Validation checks those paths against the purpose's allow-list; rendering
 * checks that each unguarded one has a value, so nothing renders as a blank.
 */
import Handlebars from 'handlebars';

export type VariableRole = 'output' | 'argument' | 'condition' | 'iterate' | 'scope';

export interface VariableUse {
  path: string;
  role: VariableRole;
  /** inside an {{#if}} / {{#each}} / {{#with}} on this path or a parent of it */
  guarded: boolean;
  line: number;
  column: number;
}

export interface SyntaxProblem {
  code: 'syntax' | 'unknown_helper' | 'unsupported';
  message: string;
  line?: number;
  column?: number;
}

export interface Analysis {
  uses: VariableUse[];
  problems: SyntaxProblem[];
}

/** Inline helpers and the arguments they take. */
export const inlineHelpers = {
  date: '{{date value [tz] [lang] style="weekday|long|dayMonth"}}',
  time: '{{time value [tz] [lang]}}',
  at: '{{at value [tz] [lang]}} ("at 3:30 PM", "a la 1:00 p.m.")',
  hours: '{{hours practice.hours [lang]}}',
} as const;
const blockHelpers = new Set(['if', 'unless', 'each', 'with']);
const loopData = new Set(['index', 'first', 'last', 'key']);

type Node = hbs.AST.Node;
type Scope = { base: string; inEach: boolean; guards: string[] };

function position(loc: hbs.AST.SourceLocation | undefined): { line: number; column: number } {
  return { line: loc?.start.line ?? 1, column: (loc?.start.column ?? 0) + 1 };
}

function isGuarded(path: string, guards: string[]): boolean {
  return guards.some((g) => path === g || path.startsWith(`${g}.`) || path.startsWith(`${g}[]`));
}

export function parseTemplate(source: string): hbs.AST.Program | SyntaxProblem {
  try {
    return Handlebars.parse(source);
  } catch (err) {
    const message = (err as Error).message;
    const m = /Parse error on line (\d+)/.exec(message) ?? /line (\d+)/.exec(message);
    const detail = message.split('\n').filter((l) => l.trim() !== '');
    // Handlebars' message carries the offending line and a caret; keep them, they point at it
    return { code: 'syntax', message: `syntax error: ${detail.join(' | ')}`, line: m ? Number(m[1]) : undefined };
  }
}

export function analyseTemplate(source: string): Analysis {
  const parsed = parseTemplate(source);
  if ('code' in parsed) return { uses: [], problems: [parsed] };
  const uses: VariableUse[] = [];
  const problems: SyntaxProblem[] = [];

  function resolve(p: hbs.AST.PathExpression, scopes: Scope[]): string | null {
    const at = position(p.loc);
    const scope = scopes[scopes.length - 1]!;
    if (p.data) {
      const [head, ...rest] = p.parts;
      if (head === 'root' && rest.length > 0) return rest.join('.');
      if (head && loopData.has(head) && rest.length === 0 && scope.inEach) return null;
      problems.push({ code: 'unsupported', message: `@${p.parts.join('.')} is not available here`, ...at });
      return null;
    }
    const target = scopes[scopes.length - 1 - p.depth];
    if (!target) {
      problems.push({ code: 'unsupported', message: `${p.original} climbs above the top level`, ...at });
      return null;
    }
    const tail = p.parts.join('.');
    if (!tail) return target.base || null;
    return target.base ? `${target.base}.${tail}` : tail;
  }

  function use(expr: hbs.AST.Expression, role: VariableRole, scopes: Scope[]): string | null {
    if (expr.type === 'PathExpression') {
      const p = expr as hbs.AST.PathExpression;
      const path = resolve(p, scopes);
      if (path) {
        uses.push({ path, role, guarded: isGuarded(path, scopes[scopes.length - 1]!.guards), ...position(p.loc) });
      }
      return path;
    }
    if (expr.type === 'SubExpression') {
      call(expr as hbs.AST.SubExpression, scopes);
      return null;
    }
    return null; // literals
  }

  function call(node: hbs.AST.MustacheStatement | hbs.AST.SubExpression, scopes: Scope[]): void {
    const at = position(node.loc);
    const callee = node.path as hbs.AST.PathExpression;
    const name = callee.type === 'PathExpression' ? callee.original : '';
    const hasArgs = node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0;
    if (!hasArgs) {
      if (name in inlineHelpers) {
        problems.push({ code: 'unsupported', message: `${name} needs a value: ${inlineHelpers[name as keyof typeof inlineHelpers]}`, ...at });
        return;
      }
      if (callee.type !== 'PathExpression') {
        problems.push({ code: 'unsupported', message: 'only variables and helpers can be printed', ...at });
        return;
      }
      use(callee, 'output', scopes);
      return;
    }
    if (!(name in inlineHelpers)) {
      problems.push({
        code: 'unknown_helper',
        message: `unknown helper "${name}"; available: ${Object.values(inlineHelpers).join(', ')}`,
        ...at,
      });
      return;
    }
    for (const param of node.params) use(param, 'argument', scopes);
    for (const pair of node.hash?.pairs ?? []) {
      if (name !== 'date' || pair.key !== 'style') {
        problems.push({ code: 'unsupported', message: `${name} takes no option "${pair.key}"`, ...position(pair.loc) });
      }
      use(pair.value, 'argument', scopes);
    }
  }

  function walk(node: Node | null | undefined, scopes: Scope[]): void {
    if (!node) return;
    switch (node.type) {
      case 'Program':
        for (const stmt of (node as hbs.AST.Program).body) walk(stmt, scopes);
        return;
      case 'ContentStatement':
      case 'CommentStatement':
        return;
      case 'MustacheStatement':
        call(node as hbs.AST.MustacheStatement, scopes);
        return;
      case 'BlockStatement': {
        const block = node as hbs.AST.BlockStatement;
        const at = position(block.loc);
        const name = (block.path as hbs.AST.PathExpression).original;
        if (!blockHelpers.has(name)) {
          problems.push({ code: 'unknown_helper', message: `unknown block "#${name}"; available: #if, #unless, #each, #with`, ...at });
          return;
        }
        const [subject, ...extra] = block.params;
        if (!subject || extra.length > 0 || (block.hash?.pairs.length ?? 0) > 0 || (block.program?.blockParams?.length ?? 0) > 0) {
          problems.push({ code: 'unsupported', message: `#${name} takes exactly one value`, ...at });
          return;
        }
        const role: VariableRole = name === 'each' ? 'iterate' : name === 'with' ? 'scope' : 'condition';
        const path = use(subject, role, scopes);
        const current = scopes[scopes.length - 1]!;
        const guardsWith = path ? [...current.guards, path] : current.guards;
        if (name === 'each' || name === 'with') {
          const inner: Scope = {
            base: path ? (name === 'each' ? `${path}[]` : path) : current.base,
            inEach: name === 'each',
            // the block only runs when the value is there, but its fields still need checking
            guards: current.guards,
          };
          walk(block.program, [...scopes, inner]);
          walk(block.inverse, scopes);
        } else if (name === 'if') {
          walk(block.program, [...scopes.slice(0, -1), { ...current, guards: guardsWith }]);
          walk(block.inverse, scopes);
        } else {
          walk(block.program, scopes);
          walk(block.inverse, [...scopes.slice(0, -1), { ...current, guards: guardsWith }]);
        }
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
        problems.push({ code: 'unsupported', message: 'partials ({{> name}}) are not supported', ...position(node.loc) });
        return;
      default:
        problems.push({ code: 'unsupported', message: `${node.type} is not supported`, ...position(node.loc) });
    }
  }

  walk(parsed, [{ base: '', inEach: false, guards: [] }]);
  return { uses, problems };
}
