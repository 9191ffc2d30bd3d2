// Regex conditions are written by office managers and run against bodies written by anyone,
// on the triage job's thread. A backtracking engine (V8's included) can take seconds or
// hours on a short body for patterns like (a+)+ or .*a.*b, so patterns are checked when a
// rule is saved, and again when rules are compiled, by a static analysis that is
// deterministic (no timers, the same verdict on every machine):
//
// 1. at most REGEX_MAX_LENGTH characters, valid with the `iu` flags;
// 2. no backreferences and no lookarounds (the two features that break linear reasoning);
// 3. star height 1: a group repeated more than once (`*`, `+`, `{n}`, `{n,m}`) holds only
//    fixed-size parts: no quantifier that varies and no `|` inside it;
// 4. on every path through the alternatives, two variable-size parts that can match the
//    same character (`a*a*`, `.*x.*`) must be separated by a required part that the first
//    cannot match (`\d+-\d+`, `\s*thanks\s*`): otherwise the engine tries every split;
// 5. the regex sees at most the first REGEX_INPUT_LIMIT characters of the body.
//
// (3) and (4) bound the work per start position to linear, so the search is at worst
// quadratic in the examined text: measured, about 10 ms at 2,000 characters on these
// machines. Character sets are compared over a sample alphabet (ASCII, Latin-1, Latin
// Extended, general punctuation and every character the pattern names); the refusal errs on
// the side of refusing.

import { foldAccents } from './text.js';

export const REGEX_MAX_LENGTH = 200;
export const REGEX_INPUT_LIMIT = 2_000;
export const REGEX_FLAGS = 'iu';
/** alternatives multiply paths; beyond this the pattern should be keywords instead */
const MAX_PATHS = 256;

export type RegexCheck = { ok: true; source: string } | { ok: false; reason: string };

interface Leaf {
  kind: 'leaf';
  source: string;
  min: number;
  max: number;
}
interface Group {
  kind: 'group';
  alternatives: Node[][];
  min: number;
  max: number;
}
type Node = Leaf | Group;

/** one part of a path through the pattern, with the sources whose characters it can match */
interface Part {
  sources: string[];
  required: boolean;
  variable: boolean;
}

class Refusal extends Error {}

const cache = new Map<string, RegexCheck>();
const CACHE_LIMIT = 1_000;

/** The verdict on a manager's pattern; `source` is what gets compiled (accents folded, like the body). */
export function checkRegexSafety(pattern: string): RegexCheck {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const verdict = check(pattern);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, verdict);
  return verdict;
}

/** Compiles a pattern that passed checkRegexSafety; null for one that did not. */
export function compileSafeRegex(pattern: string): RegExp | null {
  const verdict = checkRegexSafety(pattern);
  return verdict.ok ? new RegExp(verdict.source, REGEX_FLAGS) : null;
}

function check(pattern: string): RegexCheck {
  if (pattern.length === 0) return { ok: false, reason: 'pattern is empty' };
  if (pattern.length > REGEX_MAX_LENGTH) {
    return { ok: false, reason: `pattern is longer than ${REGEX_MAX_LENGTH} characters` };
  }
  // the body is matched with accents removed, so the pattern is too ("dirección" finds "direccion")
  const source = foldAccents(pattern);
  try {
    new RegExp(source, REGEX_FLAGS);
  } catch (err) {
    return { ok: false, reason: `not a valid regular expression: ${(err as Error).message}` };
  }
  try {
    const tree = new Parser(source).parse();
    const paths = expand(tree, false);
    const alphabet = sampleAlphabet(source);
    for (const path of paths) checkPath(path, alphabet);
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.message };
    throw err;
  }
  return { ok: true, source };
}

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Node[][] {
    const alternatives = this.alternatives();
    if (this.i < this.src.length) throw new Refusal('unbalanced parenthesis');
    return alternatives;
  }

  private alternatives(): Node[][] {
    const alternatives: Node[][] = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      alternatives.push(this.sequence());
    }
    return alternatives;
  }

  private sequence(): Node[] {
    const nodes: Node[] = [];
    while (this.i < this.src.length) {
      const c = this.src[this.i]!;
      if (c === '|' || c === ')') break;
      const atom = this.atom();
      if (atom === null) continue; // an assertion: matches no character
      const [min, max] = this.quantifier();
      atom.min = min;
      atom.max = max;
      if (atom.kind === 'group' && max > 1 && varies(atom.alternatives)) {
        throw new Refusal(
          'nested quantifier: a repeated group must hold only fixed-size parts (no *, +, ?, {n,m} or | inside it)',
        );
      }
      nodes.push(atom);
    }
    return nodes;
  }

  private atom(): Node | null {
    const src = this.src;
    const start = this.i;
    const c = src[this.i]!;
    if (c === '^' || c === '$') {
      this.i++;
      return null;
    }
    if (c === '(') {
      if (/^\(\?<?[=!]/.test(src.slice(this.i, this.i + 4))) {
        throw new Refusal('lookahead and lookbehind are not allowed');
      }
      if (src.startsWith('(?:', this.i)) this.i += 3;
      else if (src.startsWith('(?<', this.i)) this.i = src.indexOf('>', this.i) + 1;
      else if (src[this.i + 1] === '?') throw new Refusal('unsupported group syntax');
      else this.i++;
      const alternatives = this.alternatives();
      this.i++; // ')', guaranteed by the RegExp compile above
      return { kind: 'group', alternatives, min: 1, max: 1 };
    }
    if (c === '[') {
      this.i++;
      while (src[this.i] !== ']') this.i += src[this.i] === '\\' ? 2 : 1;
      this.i++;
      return leaf(src.slice(start, this.i));
    }
    if (c === '\\') {
      const e = src[this.i + 1]!;
      if (/[1-9]/.test(e) || e === 'k') throw new Refusal('backreferences are not allowed');
      if (e === 'b' || e === 'B') {
        this.i += 2;
        return null;
      }
      if ((e === 'p' || e === 'P') && src[this.i + 2] === '{') this.i = src.indexOf('}', this.i) + 1;
      else if (e === 'u' && src[this.i + 2] === '{') this.i = src.indexOf('}', this.i) + 1;
      else if (e === 'u') this.i += 6;
      else if (e === 'x') this.i += 4;
      else if (e === 'c') this.i += 3;
      else this.i += 2;
      return leaf(src.slice(start, this.i));
    }
    const cp = src.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    return leaf(src.slice(start, this.i));
  }

  private quantifier(): [number, number] {
    const src = this.src;
    let q: [number, number] | null = null;
    const c = src[this.i];
    if (c === '*') q = [0, Infinity];
    else if (c === '+') q = [1, Infinity];
    else if (c === '?') q = [0, 1];
    if (q) this.i++;
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(this.i));
      if (m) {
        const min = Number(m[1]);
        q = [min, m[2] === undefined ? min : m[3] ? Number(m[3]) : Infinity];
        this.i += m[0].length;
      }
    }
    if (!q) return [1, 1];
    if (src[this.i] === '?') this.i++; // lazy: the same search space
    return q;
  }
}

function leaf(source: string): Leaf {
  return { kind: 'leaf', source, min: 1, max: 1 };
}

/** true when the alternatives can match strings of different lengths or in several ways */
function varies(alternatives: Node[][]): boolean {
  if (alternatives.length > 1) return true;
  return alternatives.some((seq) =>
    seq.some((n) => n.min !== n.max || (n.kind === 'group' && varies(n.alternatives))),
  );
}

function leaves(alternatives: Node[][]): string[] {
  return alternatives.flatMap((seq) => seq.flatMap((n) => (n.kind === 'leaf' ? [n.source] : leaves(n.alternatives))));
}

/** Every path through the alternatives, each a flat list of parts. */
function expand(alternatives: Node[][], optional: boolean): Part[][] {
  const paths: Part[][] = [];
  for (const seq of alternatives) {
    let partial: Part[][] = [[]];
    for (const node of seq) {
      const required = !optional && node.min >= 1;
      let options: Part[][];
      if (node.kind === 'leaf' || node.max > 1) {
        const sources = node.kind === 'leaf' ? [node.source] : leaves(node.alternatives);
        options = [[{ sources, required, variable: node.max > node.min }]];
      } else {
        options = expand(node.alternatives, !required);
      }
      const next: Part[][] = [];
      for (const p of partial) for (const o of options) next.push([...p, ...o]);
      if (next.length > MAX_PATHS) throw new Refusal(`too many alternatives combined (more than ${MAX_PATHS} paths)`);
      partial = next;
    }
    paths.push(...partial);
    if (paths.length > MAX_PATHS) throw new Refusal(`too many alternatives combined (more than ${MAX_PATHS} paths)`);
  }
  return paths;
}

function checkPath(path: Part[], alphabet: string[]): void {
  const variable = path.map((p, i) => (p.variable ? i : -1)).filter((i) => i >= 0);
  if (variable.length < 2) return;
  const sets = new Map<number, Set<string>>();
  const setOf = (i: number): Set<string> => {
    let set = sets.get(i);
    if (!set) {
      const matchers = path[i]!.sources.map((s) => new RegExp(`^(?:${s})$`, REGEX_FLAGS));
      set = new Set(alphabet.filter((ch) => matchers.some((m) => m.test(ch))));
      sets.set(i, set);
    }
    return set;
  };
  const overlaps = (a: Set<string>, b: Set<string>) => [...a].some((ch) => b.has(ch));
  for (let x = 0; x < variable.length; x++) {
    for (let y = x + 1; y < variable.length; y++) {
      const xi = variable[x]!;
      const yi = variable[y]!;
      const xs = setOf(xi);
      if (!overlaps(xs, setOf(yi))) continue;
      let separated = false;
      for (let k = xi + 1; k < yi && !separated; k++) {
        if (path[k]!.required && !overlaps(xs, setOf(k))) separated = true;
      }
      if (!separated) {
        throw new Refusal(
          `ambiguous repetition: "${path[xi]!.sources.join('')}" and "${path[yi]!.sources.join('')}" can match the same characters with nothing required between them that the first cannot match (try keywords, or anchor with a literal)`,
        );
      }
    }
  }
}

let baseAlphabet: string[] | null = null;

function sampleAlphabet(source: string): string[] {
  if (!baseAlphabet) {
    const chars: string[] = [];
    for (let cp = 0; cp <= 0x24f; cp++) chars.push(String.fromCodePoint(cp));
    for (let cp = 0x2000; cp <= 0x206f; cp++) chars.push(String.fromCodePoint(cp));
    chars.push('中', 'а', 'ω', '😀', '\u{1F44D}');
    baseAlphabet = chars;
  }
  const extra = new Set<string>();
  for (const ch of source) {
    extra.add(ch);
    extra.add(ch.toLowerCase());
    extra.add(ch.toUpperCase());
  }
  for (const m of source.matchAll(/\\u\{?([0-9a-fA-F]{2,6})\}?|\\x([0-9a-fA-F]{2})/g)) {
    const cp = parseInt(m[1] ?? m[2]!, 16);
    if (cp <= 0x10ffff) extra.add(String.fromCodePoint(cp));
  }
  return [...new Set([...baseAlphabet, ...extra])];
}
