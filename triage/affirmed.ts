/**
 * Negation-aware regex search for the needsHuman rules that stay regular expressions
 * (someone else's records, opt-out phrases): a match counts only when it is not negated,
 * not history and not advice about what to watch for. Urgency no longer uses regexes: see
 * urgency.ts.
 */
const NEG = new Set([
  'no', 'not', 'never', 'denies', 'deny', 'denied', 'without', 'none', 'nor', 'negative', 'sin', 'ni', 'nunca',
  'tampoco', 'nada', 'zero', 'free',
]);
const BOUNDARY = /(?:^|\s)(?:[.;!?]|but|pero|though|although|however|aunque|sino|except|now|ahora|y ahora|and now|still|todavia|aun|then|luego|despues)(?=\s|$)/g;
const HISTORY = /\b(history of|hx of|years ago|year ago|last year|in (19|20)\d\d|as a (kid|child|baby|teen)|when i was (a )?(kid|child|young|little|younger)|family history|runs in (my|the) family|used to|antecedentes|hace (\d+|un|unos|varios|dos|tres|muchos) anos|el ano pasado|de nino|de nina|cuando era)\b/;

function clauseBefore(text: string, index: number): string {
  const head = text.slice(0, index);
  let start = 0;
  BOUNDARY.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BOUNDARY.exec(head))) start = m.index + m[0].length;
  return head.slice(start);
}

function clauseAfter(text: string, index: number): string {
  const tail = text.slice(index);
  const m = /\s[.;!?]\s|\s(but|pero|however|aunque)\s/.exec(tail);
  return m ? tail.slice(0, m.index) : tail;
}

/** True when a negation word governs the match: directly before it, or before a short list ending in it. */
export function isNegated(text: string, index: number): boolean {
  const clause = clauseBefore(text, index);
  const segments = clause.split(/\s(?:,|or|nor|ni|o|and no|y no)\s/).map((s) => s.trim().split(/\s+/).filter(Boolean));
  const last = segments[segments.length - 1] ?? [];
  const hasCue = (ws: string[]) => ws.slice(-4).some((w) => NEG.has(w)) || ws.join(' ').endsWith('free of');
  if (hasCue(last)) {
    // "never had pain like this" is not a denial
    const cueNever = last.slice(-4).includes('never') && !last.slice(-4).some((w) => w !== 'never' && NEG.has(w));
    if (!cueNever) return true;
    return !/\b(like this|this bad|so bad|before)\b/.test(clauseAfter(text, index));
  }
  if (last.length > 3) return false;
  for (let i = segments.length - 2; i >= 0 && i >= segments.length - 6; i--) {
    const seg = segments[i]!;
    if (hasCue(seg)) return true;
    if (seg.length > 4) return false;
  }
  return false;
}

function isHistory(text: string, index: number, length: number): boolean {
  const clause = clauseBefore(text, index) + text.slice(index, index + length) + clauseAfter(text, index + length);
  return HISTORY.test(clause) && !/\b(now|right now|today|tonight|this morning|again|currently|ahora|hoy|otra vez|de nuevo)\b/.test(clause);
}

// Advice about what to watch for ("seek care if new confusion, vomiting or trouble breathing
// develops", "call us if you have chest pain") names symptoms nobody has. Only advice-like
// cues count: a bare "if" is not one ("idk if its serious, chest pain since this morning").
const CONDITIONAL =
  /\b(seek (\w+ )?(care|help|attention|evaluation|treatment)|call (us|your \w+|the office|back|sooner)( \w+)?( if| for| with)?|contact (us|your \w+|the office)|go (in )?(sooner|urgently|in urgently|back)( only)? (if|for)|watch (out )?for|look out for|monitor (for|closely for)|keep an eye (out )?(on|for)|red flags?|warning signs?|return (if|for|sooner)|come back (if|for)|if (new|any|you (develop|notice|get|start|experience|become)|symptoms|those|these|there is|there are|(she|he|they) (develops?|becomes?|gets?|starts?|has|have|is hard))|only if|unless|in case of|busque (atencion|ayuda)|llame si|acuda (a \w+ )?si|vigile (si|por)|si (presenta|aparece|empieza a|nota))\b/;

function isConditional(text: string, index: number): boolean {
  return CONDITIONAL.test(clauseBefore(text, index));
}

/** Finds a non-negated, non-historical, non-conditional match of re in text. */
const globalCache = new WeakMap<RegExp, RegExp>();

export function findAffirmed(text: string, re: RegExp): RegExpExecArray | null {
  let g = globalCache.get(re);
  if (!g) {
    g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
    globalCache.set(re, g);
  }
  g.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = g.exec(text))) {
    if (m[0].length === 0) {
      g.lastIndex++;
      continue;
    }
    if (!isNegated(text, m.index) && !isHistory(text, m.index, m[0].length) && !isConditional(text, m.index)) return m;
  }
  return null;
}

