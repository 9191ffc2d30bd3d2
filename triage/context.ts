/**
 * Context of each concept mention, after NegEx and ConText (Chapman et al., "ConText: an
 * algorithm for determining negation, experiencer, and temporal status from clinical
 * reports", J Biomed Inform 2009), in English and Spanish:
 * - negated ("no chest pain", "sin fiebre ni vomito"): forward to the end of the clause; a
 *   comma ends it unless the clause goes on as a list closed by "or"/"ni" ("denies chest
 *   pain, shortness of breath or dizziness"), so "no respira bien, labios morados" keeps the
 *   blue lips;
 * - impaired functions: a negated or hindered normal function is a symptom ("not breathing",
 *   "no despierta", "can't feel my legs", "won't stop bleeding"), and its negation word is
 *   used up there;
 * - historical ("in 2019", "hace 2 anos", "last month", "as a kid"), unless the clause says
 *   now/today/again;
 * - resolved ("went away", "ya se me quito", "fine now"): back over its sentence, forward in
 *   its clause;
 * - hypothetical ("if", "what should I do if", "signs of", "por si", "que pasa si");
 * - idioms and counterfactuals ("nearly had a heart attack", "casi me da un infarto");
 * - experiencer: the patient, a family member (still a patient of the practice: counts) or
 *   someone else; someone else's event that is past or said to be fine does not count.
 */
import type { Mention, TokenView } from './concepts.js';
import type { Measure } from './measures.js';

export type Experiencer = 'self' | 'family' | 'other';

export interface Finding extends Mention {
  negated: boolean;
  historical: boolean;
  hypothetical: boolean;
  resolved: boolean;
  idiom: boolean;
  experiencer: Experiencer;
  /** a function named as not working ("not breathing"); set only for functions */
  impaired?: boolean;
  /** a function named as working ("breathing fine") */
  normal?: boolean;
  sentence: number;
  clause: number;
  /** the mention ends its clause (punctuation or the end of the message follows) */
  atClauseEnd: boolean;
  /** despair said of the practice's service (its phones, its pharmacy, its office): set on despair only */
  aimedAtService?: boolean;
  affirmed: boolean;
}

export interface ContextResult {
  findings: Finding[];
  measures: (Measure & { affirmed: boolean; negated: boolean; historical: boolean; hypothetical: boolean; resolved: boolean })[];
  sentenceOf: Int32Array;
  clauseOf: Int32Array;
  /** cue mentions that were used up by impaired functions */
  consumed: Set<Mention>;
  cues: Mention[];
}

const NEW_STATEMENT = new Set(['now', 'ahora', 'tengo', 'estoy', 'i', 'im', 'she', 'he', 'hes', 'shes', 'it', 'its', 'my', 'mi', 'tiene', 'esta', 'me', 'le', 'se', 'today', 'hoy', 'then', 'luego', 'still', 'todavia', 'sigue', 'sigo']);
const CLAUSE_WORDS = new Set(['but', 'pero', 'however', 'although', 'though', 'aunque', 'except', 'excepto', 'sino', 'yet', 'just', 'only', 'solo', 'solamente', 'unicamente']);
const LIST_CLOSERS = new Set(['or', 'nor', 'ni', 'o', 'neither']);
const LONG_NEG = /^(denies|deny|denied|denying|without|sin|niega|niego|negative|free|absence|zero|no sign|no signs|descartado|descartaron)/;
const BACKWARD_NEG = /^(ruled out|descartado|descartaron)/;
// a function that stopped is impaired, not resolved: "baby kicks stopped", "dejo de respirar"
const INNER_DENIAL = new Set(['no', 'not', 'never', 'nunca', 'barely', 'apenas', 'casi', 'hardly']);
const POST_STOPPED = new Set(['stopped', 'stop', 'stops', 'quit', 'ceased', 'paro', 'pararon', 'dejo', 'dejaron']);
const POST_IMPAIRED = new Set(['hard', 'difficult', 'labored', 'laboured', 'fast', 'rapid', 'rapidly', 'shallow', 'weird', 'funny', 'strange', 'noisy', 'slow', 'slowly', 'badly', 'poorly', 'less', 'mal', 'raro', 'rara', 'rapido', 'rapida', 'dificil', 'lento', 'lenta', 'agitado', 'agitada', 'menos', 'feo', 'wrong', 'off', 'trabajoso']);
const POST_NORMAL = new Set(['fine', 'ok', 'okay', 'normal', 'normally', 'well', 'good', 'bien', 'normalmente', 'comfortably', 'easy', 'easily', 'tranquilo', 'tranquila']);
const PREPOSITIONS = new Set(['in', 'of', 'at', 'from', 'with', 'del', 'de', 'en', 'con']);
const PREVENTIVE = new Set(['checkup', 'tested', 'screened', 'screening', 'checked', 'cholesterol', 'refresher', 'class', 'course', 'chequeo', 'checarme', 'checarse', 'checar', 'revisarme', 'revisar', 'medirme', 'pruebas', 'estudios', 'colesterol', 'curso', 'clase', 'talk', 'hablar']);
const PROBLEM_LINKS = new Set(['para', 'al', 'con', 'de', 'to', 'with']);
const PROBLEM_NOUNS = new Set(['problem', 'problems', 'issue', 'issues', 'trouble', 'troubles', 'difficulty', 'difficulties', 'complaints', 'concerns', 'problema', 'problemas', 'dificultad', 'molestias']);
// "sin orinar", "sin panal mojado", "without peeing": a function done without is one that failed
const WITHOUT = new Set(['sin', 'without']);
const DURATION_AFTER_GONE = new Set(['all', 'since', 'over', 'more', 'almost', 'nearly', 'about', 'like', 'a', 'an', 'two', 'three', 'four', 'five', 'six', 'ten', 'twelve', 'hours', 'days', 'without']);
const PAPER_WORDS = new Set(['bill', 'bills', 'billed', 'billing', 'charge', 'charged', 'charges', 'statement', 'invoice', 'insurance', 'copay', 'receipt', 'cuenta', 'factura', 'facturas', 'cobro', 'cobraron', 'recibo', 'aseguranza']);
const FOR_WORDS = new Set(['for', 'from', 'por']);
// "sintomas de infeccion de orina y estoy embarazada", "i have symptoms of a uti": symptoms of
// something told as had, not asked about
const SYMPTOMS_OF = /^(sintomas de|symptoms of|signs of|senales de)$/;
const HAVING = new Set(['have', 'has', 'having', 'had', 'tengo', 'tiene', 'tienes', 'con', 'presenta', 'showing']);
const TOLD_AS_HAD = new Set(['estoy', 'tengo', 'im', 'am', 'i']);
const FOR_SELF = new Set(['too', 'myself', 'hacerme', 'checarme', 'revisarme', 'tambien', 'yo']);
const SI_YES_BEFORE = new Set(['hola', 'alo', 'halo', 'bueno', 'buenas', 'ah', 'ay', 'eh', 'pues', 'este', 'oiga', 'mire', 'claro', 'ok', 'okay', 'dime', 'digame', 'mande']);
const SI_YES_AFTER = new Set(['mire', 'mira', 'buenas', 'buenos', 'buen', 'hola', 'alo', 'doctor', 'doctora', 'dotor', 'dotora', 'senor', 'senora', 'senorita', 'senito', 'mija', 'mijo', 'mami', 'papi', 'claro', 'gracias', 'oiga', 'fijese', 'disculpe', 'perdon', 'habla', 'hablo', 'llamo', 'gracia', 'si', 'ok', 'okay', 'bueno', 'pues', 'este', 'mande', 'ahi', 'aqui', 'aca']);
const WELLBEING = /^(i )?(feel|feeling|felt) (fine|ok|okay|good|well)$|^(me siento|estoy|ya estoy|me encuentro) bien$/;
const REQUEST_VERBS = new Set(['quiero', 'quisiera', 'necesito', 'ocupo', 'want', 'wanna', 'need', 'hacerme', 'retested', 'tested', 'checked', 'schedule', 'agendar', 'agende', 'book']);
const PAST_MARKERS = new Set(['yesterday', 'ayer', 'anoche', 'earlier', 'antier']);
const ABLE = new Set(['puedo', 'puede', 'pueden', 'podia', 'podemos', 'aguanto', 'aguanta', 'respira', 'respiro', 'despierta', 'responde', 'reacciona', 'quiero', 'quiere', 'come', 'orina', 'siento', 'siente', 'camina', 'habla', 've', 'veo', 'oye', 'contesta', 'se', 'me', 'le']);
const FINE_FOLLOWERS = new Set(['deberia', 'debo', 'debemos', 'quiero', 'queremos', 'y', 'pero', 'ya', 'ahora', 'gracias', 'solo', 'asi', 'hoy', 'de', 'con', 'nada', 'todo', 'and', 'but', 'now', 'thanks', 'gracia', 'ahorita', 'otra', 'que', 'por']);
const PAST_DENIAL = /^(did not|has not|have not|never|no|nunca|no ha|no he)$/;
const CLINICAL = new Set(['symptom', 'event', 'harm', 'function', 'body', 'substance', 'ingest', 'quantity', 'medication', 'mod', 'context']);

function spans(ts: TokenView[]) {
  const sentenceOf = new Int32Array(ts.length);
  const clauseOf = new Int32Array(ts.length);
  let s = 0;
  let c = 0;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (t.isPunct) {
      sentenceOf[i] = s;
      clauseOf[i] = c;
      if (t.w !== ',') s++;
      c++;
      continue;
    }
    if (CLAUSE_WORDS.has(t.w) && i > 0) c++;
    // "... and now", "y tengo ...", "and i am ...": a new clause, so a time phrase or a
    // negation before it does not reach the next statement
    else if ((t.w === 'and' || t.w === 'y') && NEW_STATEMENT.has(ts[i + 1]?.w ?? '')) c++;
    sentenceOf[i] = s;
    clauseOf[i] = c;
  }
  return { sentenceOf, clauseOf };
}

export function analyseContext(ts: TokenView[], mentions: Mention[], measures: Measure[], rawWord: (i: number) => string): ContextResult {
  const { sentenceOf, clauseOf } = spans(ts);
  const n = ts.length;
  const cues = mentions.filter((m) => m.type === 'cue');
  const consumed = new Set<Mention>();
  const consumedTokens = new Set<number>();
  const pseudoAt = new Uint8Array(n);
  for (const p of cues) if (p.id === 'pseudo_neg') for (let k = p.from; k <= p.to; k++) pseudoAt[k] = 1;
  const inPseudo = (i: number) => pseudoAt[i] === 1;

  // ---- impaired and working functions
  const impairedOf = new Map<Mention, boolean>();
  const normalOf = new Map<Mention, boolean>();
  for (const f of mentions) {
    if (f.type !== 'function') continue;
    // a problem with a function is its impairment, and a denial before it stays a denial:
    // "has breathing problems", "problemas para respirar" / "no breathing problems", "sin
    // problemas para respirar"
    if (PROBLEM_NOUNS.has(ts[f.to + 1]?.w ?? '') || (PROBLEM_LINKS.has(ts[f.from - 1]?.w ?? '') && PROBLEM_NOUNS.has(ts[f.from - 2]?.w ?? ''))) {
      impairedOf.set(f, true);
      continue;
    }
    let best: Mention | undefined;
    for (const u of cues) {
      if (u.id !== 'unable' || inPseudo(u.from)) continue;
      // "did not swallow anything", "no se trago nada": nothing was swallowed (a negated
      // ingestion), not a throat that cannot swallow
      if (f.id === 'swallow' && PAST_DENIAL.test(u.pattern)) continue;
      if (u.to < f.from && f.from - u.to <= 5 && clauseOf[u.to] === clauseOf[f.from] && (!best || u.to > best.to || (u.to === best.to && u.from < best.from))) {
        // "no face drooping or slurred speech": the "no" belongs to the symptoms in between
        const between = mentions.some((m) => (m.type === 'symptom' || m.type === 'body') && m.from > u.to && m.to < f.from);
        if (!between) best = u;
      }
    }
    // a denial inside the function's own words: "el bebe no patea", "baby is not moving"
    if (!best && f.to > f.from) {
      for (let k = f.from + 1; k < f.to; k++) if (INNER_DENIAL.has(ts[k]!.w)) {
        impairedOf.set(f, true);
        break;
      }
      if (impairedOf.get(f)) continue;
    }
    if (best) {
      impairedOf.set(f, true);
      for (let k = best.from; k <= best.to; k++) consumedTokens.add(k);
      continue;
    }
    const without = cues.find((u) => u.id === 'neg' && WITHOUT.has(u.pattern) && u.to < f.from && f.from - u.to <= 2 && clauseOf[u.to] === clauseOf[f.from]);
    if (without) {
      impairedOf.set(f, true);
      for (let k = without.from; k <= without.to; k++) consumedTokens.add(k);
      continue;
    }
    const after = [ts[f.to + 1]?.w, ts[f.to + 2]?.w, ts[f.to + 3]?.w];
    const stoppedAt = after.slice(0, 2).findIndex((w) => w !== undefined && POST_STOPPED.has(w));
    if (stoppedAt >= 0 && !ts[f.to + 1]!.isPunct) {
      impairedOf.set(f, true);
      consumedTokens.add(f.to + 1 + stoppedAt);
      continue;
    }
    if (after.slice(0, 3).some((w) => w !== undefined && POST_IMPAIRED.has(w)) && !after.slice(0, 2).some((w) => w === 'fine' || w === 'bien')) impairedOf.set(f, true);
    else if (after.slice(0, 2).some((w) => w !== undefined && POST_NORMAL.has(w))) normalOf.set(f, true);
  }
  for (const cue of cues) {
    for (let k = cue.from; k <= cue.to; k++) if (consumedTokens.has(k)) consumed.add(cue);
  }
  const liveById = new Map<string, Mention[]>();
  for (const m of cues) {
    if (consumed.has(m)) continue;
    const list = liveById.get(m.id);
    if (list) list.push(m);
    else liveById.set(m.id, [m]);
  }
  const live = (id: string) => liveById.get(id) ?? [];

  // ---- negation
  const negated = new Uint8Array(n);
  for (const cue of live('neg')) {
    if (inPseudo(cue.from)) continue;
    const word = cue.pattern;
    if (BACKWARD_NEG.test(word)) {
      for (let k = cue.from - 1; k >= 0 && clauseOf[k] === clauseOf[cue.from]; k--) negated[k] = 1;
      continue;
    }
    // "never had pain like this" is emphasis, not denial
    if (word === 'never' || word === 'nunca') {
      const rest = ts.slice(cue.to + 1, cue.to + 8).map((t) => t.w).join(' ');
      if (/\b(like this|this bad|so bad|asi|tan fuerte)\b/.test(rest)) continue;
    }
    const max = LONG_NEG.test(word) ? 16 : 7;
    let count = 0;
    const sentence = sentenceOf[cue.from];
    for (let k = cue.to + 1; k < n && count < max; k++) {
      const t = ts[k]!;
      if (sentenceOf[k] !== sentence) break;
      if (t.isPunct) {
        if (t.w !== ',') break;
        // a comma ends the scope unless a list goes on to "or"/"ni"
        let closes = false;
        for (let j = k + 1; j < n && sentenceOf[j] === sentence && j - k < 10; j++) {
          if (LIST_CLOSERS.has(ts[j]!.w)) closes = true;
          if (CLAUSE_WORDS.has(ts[j]!.w)) break;
        }
        if (!closes) break;
        continue;
      }
      if (CLAUSE_WORDS.has(t.w) && k > cue.to + 1) break;
      if (inPseudo(k)) break;
      negated[k] = 1;
      count++;
    }
  }

  // ---- history
  const historical = new Uint8Array(n);
  // a "now" that belongs to a request ("quiero hacerme las pruebas otra vez", "want to be
  // tested again") or to the recovery it opens ("ahora llevo 5 anos limpio") says nothing
  // about the symptom being current
  const histStarts = live('hist').map((m) => m.from);
  const currentClauses = new Set(
    live('current')
      .filter((m) => !ts.slice(Math.max(0, m.from - 4), m.from).some((t) => REQUEST_VERBS.has(t.w)) && !histStarts.some((h) => h > m.to && h - m.to <= 2))
      .map((m) => clauseOf[m.from]),
  );
  for (const cue of live('hist')) {
    const cl = clauseOf[cue.from]!;
    const targets = new Set([cl]);
    // "In 2019, I had ..." / "Back in March, ..." : a time phrase alone before a comma
    let first = cue.from;
    let last = cue.to;
    while (first > 0 && clauseOf[first - 1] === cl) first--;
    while (last + 1 < n && clauseOf[last + 1] === cl && !ts[last + 1]!.isPunct) last++;
    if (last <= cue.to + 1 && first >= cue.from - 1) targets.add(cl + 1);
    for (let k = first; k < n && clauseOf[k]! <= cl + 1; k++) if (targets.has(clauseOf[k]!) && sentenceOf[k] === sentenceOf[cue.from] && !currentClauses.has(clauseOf[k]!)) historical[k] = 1;
  }

  // ---- hypothetical: "if ..." reaches the end of its clause; "signs of", "what happens"
  // the rest of the sentence; a conditional ("would it be", "seria") the whole sentence; a
  // closing "just asking" / "solo pregunto" the whole message
  const hypothetical = new Uint8Array(n);
  // the conditional mood ("it would be better not to wake up", "seria mejor no despertar") is
  // how a passive wish to be dead is said (C-SSRS rung 1): it does not hold back self-harm
  const conditional = new Uint8Array(n);
  // "if I didn't wake up tomorrow", "si ya no despertara": the wish lives in the "if"
  const ifClause = new Uint8Array(n);
  for (const cue of live('hyp')) {
    const word = cue.pattern;
    // Spanish "si" is "if", but "sí" (with its accent, or alone before a comma) is "yes"
    if (word === 'si' && (rawWord(cue.from) === 'sí' || ts[cue.to + 1]?.isPunct || cue.to + 1 >= n)) continue;
    // "hola si mire", "alo si buenas", "bueno si doctora": a yes after a greeting or before
    // a vocative or courtesy (voicemail transcripts drop the accent and the comma)
    // "como si me pusieran una bolsa": a comparison, not a hypothesis
    if (word === 'si' && ts[cue.from - 1]?.w === 'como') continue;
    if (word === 'si' && (SI_YES_BEFORE.has(ts[cue.from - 1]?.w ?? '') || SI_YES_AFTER.has(ts[cue.to + 1]?.w ?? ''))) continue;
    if (SYMPTOMS_OF.test(word)) {
      const before = ts.slice(Math.max(0, cue.from - 2), cue.from);
      let toldAsHad = before.some((t) => HAVING.has(t.w));
      for (let k = cue.to + 1; k + 1 < n && sentenceOf[k] === sentenceOf[cue.from]; k++) if ((ts[k]!.w === 'y' || ts[k]!.w === 'and') && TOLD_AS_HAD.has(ts[k + 1]!.w)) toldAsHad = true;
      if (toldAsHad) continue;
    }
    const sentence = sentenceOf[cue.from];
    const closing = /^(just asking|just curious|solo pregunto|por curiosidad|hypothetically|asking for a friend)$/.test(word) && (cue.to + 1 >= n || ts[cue.to + 1]!.isPunct);
    if (closing) {
      hypothetical.fill(1);
      continue;
    }
    if (/^(seria|would|could it be|would it be|sería)$/.test(word)) {
      for (let k = 0; k < n; k++) if (sentenceOf[k] === sentence) conditional[k] = 1;
      continue;
    }
    const clauseOnly = /^(if|si|what if|in case|just in case|en caso de|por si|por si acaso|que pasa si)$/.test(word);
    // "what's the point of living", "para que sigo viviendo": a rhetorical question, not a hypothesis
    const target = /^(what is the|what are the|cuales son)$/.test(word) ? conditional : /^(if|si)$/.test(word) ? ifClause : hypothetical;
    for (let k = cue.from; k < n && sentenceOf[k] === sentence; k++) {
      if (clauseOnly && clauseOf[k] !== clauseOf[cue.from] && ts[k - 1]?.w !== ',') break;
      target[k] = 1;
    }
  }

  // ---- resolved: its own clause; earlier clauses (and the sentence before) only when the
  // cue names nothing itself ("it went away", "ya se me quito"): "bleeding stopped but it's
  // gaping" keeps the gaping cut
  const resolved = new Uint8Array(n);
  // "sugar was 340 this morning, I feel fine": feeling well says nothing of a number measured
  // now, so a measure is resolved only by a cue about something going away
  const resolvedByChange = new Uint8Array(n);
  const symptomAt = new Set<number>();
  for (const m of mentions) if (m.type === 'symptom' || m.type === 'event') for (let k = m.from; k <= m.to; k++) symptomAt.add(k);
  const clinicalSentence = new Set([...symptomAt].map((k) => sentenceOf[k]));
  // "breathing is ok" names what is fine: it does not reach back to "face got puffy"
  const functionAt = new Set<number>();
  for (const m of mentions) if (m.type === 'function') for (let k = m.from; k <= m.to; k++) functionAt.add(k);
  for (const cue of live('resolved')) {
    // "not better", "hasn't stopped", "no se ha quitado"
    const before = ts.slice(Math.max(0, cue.from - 2), cue.from).map((t) => t.w);
    if (before.some((w) => w === 'not' || w === 'no' || w === 'never' || w === 'nunca')) continue;
    // "está bien ida", "estoy bien mareada": "bien" is "very" there, not "fine"
    if (/bien$/.test(cue.pattern)) {
      const next = ts[cue.to + 1];
      if (next && !next.isPunct && !FINE_FOLLOWERS.has(next.w)) continue;
    }
    // "ya no puedo abrir los ojos": no longer able, not better
    if (cue.pattern === 'ya no' && ABLE.has(ts[cue.to + 1]?.w ?? '')) continue;
    // "has gone 10 hours without a wet diaper", "went all night without": a span of time, not a recovery
    if (/(^| )(gone|went)$/.test(cue.pattern) && (ts[cue.to + 1]?.isNum || DURATION_AFTER_GONE.has(ts[cue.to + 1]?.w ?? ''))) continue;
    // "me paro", "cuando me paro": I stand up
    if (cue.pattern === 'paro' && (before[before.length - 1] === 'me' || before[before.length - 1] === 'te')) continue;
    const sentence = sentenceOf[cue.from]!;
    const cl = clauseOf[cue.from]!;
    const wellbeing = WELLBEING.test(cue.pattern);
    let ownNamesSomething = false;
    for (let k = 0; k < n; k++) if (clauseOf[k] === cl && (symptomAt.has(k) || functionAt.has(k)) && (k < cue.from || k > cue.to)) ownNamesSomething = true;
    const first = clinicalSentence.has(sentence) ? sentence : sentence - 1;
    for (let k = 0; k < n; k++) {
      const c = clauseOf[k]!;
      if (c === cl) {
        resolved[k] = 1;
        if (!wellbeing) resolvedByChange[k] = 1;
        continue;
      }
      if (ownNamesSomething || c > cl) continue;
      const s = sentenceOf[k]!;
      if (s < first || s > sentence) continue;
      resolved[k] = 1;
      if (!wellbeing) resolvedByChange[k] = 1;
    }
  }

  // ---- idioms and counterfactuals: "nearly had a heart attack", "casi me da un infarto"
  const idiom = new Uint8Array(n);
  for (const cue of live('counterfactual')) for (let k = cue.to + 1; k <= cue.to + 4 && k < n; k++) idiom[k] = 1;
  const joke = live('joke');

  // ---- experiencer
  // "a girl", "una nina" (someone else) contain a family word: the longer reading wins
  const allPersons = mentions.filter((m) => m.type === 'person');
  const persons = allPersons
    .filter((m) => !allPersons.some((o) => o !== m && o.from <= m.from && m.to <= o.to && o.to - o.from > m.to - m.from))
    .sort((a, b) => a.from - b.from);
  const expAt: Experiencer[] = new Array(n).fill('self');
  {
    let current: Experiencer = 'self';
    let p = 0;
    let lastPersonAt = 0;
    for (let i = 0; i < n; i++) {
      while (p < persons.length && persons[p]!.from === i) {
        const m = persons[p]!;
        const nextPerson = persons[p + 1];
        if (m.id === 'self') {
          // "my son": the possessive is not the patient speaking about themself
          if (!(nextPerson && nextPerson.from <= m.to + 2 && nextPerson.id !== 'self')) current = 'self';
        } else if (m.id === 'family') {
          const prevOther = persons.find((q) => q.id === 'other_person' && q.to < m.from && m.from - q.to <= 2);
          const deOther = ts[m.to + 1]?.w === 'de' && persons.find((q) => q.id === 'other_person' && q.from > m.to && q.from - m.to <= 3);
          // "a girl in my daughter's class", "una nina del salon de mi hija": the family word
          // sits in a phrase about someone else, who stays the subject
          const inPhrase: boolean = current === 'other' && sentenceOf[m.from] === sentenceOf[lastPersonAt] && ts.slice(Math.max(0, m.from - 4), m.from).some((t) => PREPOSITIONS.has(t.w));
          current = prevOther || deOther || inPhrase ? 'other' : 'family';
        } else if (m.id === 'other_person') {
          current = 'other';
        }
        lastPersonAt = m.from;
        p++;
      }
      expAt[i] = current;
    }
  }
  // someone else's event that is over, or that a clinician has already seen to ("the ER said it's common")
  // or that the patient only tells to ask something for themself ("my neighbour had a stroke, I
  // want my blood pressure checked", "a mi hermana le dio anafilaxia, deberia hacerme pruebas"),
  // with nothing said to be happening now and no function said to fail
  const askingForSelf = ts.some((t) => PREVENTIVE.has(t.w)) && live('current').length === 0 && impairedOf.size === 0 && !mentions.some((m) => m.id === 'persistent' || m.id === 'recent' || m.id === 'sudden');
  // a relative's past event told to ask a check-up for oneself ("my sister had anaphylaxis,
  // should I get tested too", "mi papa tuvo un derrame, deberia hacerme estudios")
  const familyAsForSelf = askingForSelf && ts.some((t) => FOR_SELF.has(t.w));
  const somebodyFine = live('resolved').length > 0 || live('hist').length > 0 || live('clinician').length > 0 || ts.some((t) => PAST_MARKERS.has(t.w)) || askingForSelf;

  // "fax my stroke discharge summary", "the bill for my overdose": an event named in a request
  // for papers, with nothing saying it is happening now, is history
  const adminSentences = new Set(live('admin').map((m) => sentenceOf[m.from]));
  const currentSentences = new Set(live('current').map((m) => sentenceOf[m.from]));
  for (const m of mentions) {
    if (m.type !== 'event' || !adminSentences.has(sentenceOf[m.from]!) || currentSentences.has(sentenceOf[m.from]!)) continue;
    if (mentions.some((o) => o.type === 'symptom' && sentenceOf[o.from] === sentenceOf[m.from])) continue;
    for (let k = m.from; k <= m.to; k++) historical[k] = 1;
  }

  // "the bill for my chest pain", "la cuenta de urgencias por el dolor de pecho": a symptom
  // named as what a bill, a form or the insurance was for, with nothing saying it is now
  for (let k = 0; k < n; k++) {
    if (!PAPER_WORDS.has(ts[k]!.w) || currentSentences.has(sentenceOf[k]!)) continue;
    for (const m of mentions) {
      if ((m.type !== 'symptom' && m.type !== 'body' && m.type !== 'event') || m.from <= k || sentenceOf[m.from] !== sentenceOf[k]) continue;
      let reason = false;
      for (let j = Math.max(k + 1, m.from - 3); j < m.from; j++) if (FOR_WORDS.has(ts[j]!.w)) reason = true;
      if (reason) for (let j = m.from; j <= m.to; j++) historical[j] = 1;
    }
  }

  const aimedAtService = live('service').length > 0 || live('admin').length > 0;
  const findings: Finding[] = [];
  for (const m of mentions) {
    if (!CLINICAL.has(m.type)) continue;
    const i = m.from;
    const f: Finding = {
      ...m,
      negated: negated[i] === 1,
      historical: historical[i] === 1,
      hypothetical: hypothetical[i] === 1 || (conditional[i] === 1 && m.type !== 'harm') || (ifClause[i] === 1 && m.id !== 'wish_dead'),
      resolved: resolved[i] === 1 && m.type !== 'harm',
      idiom: idiom[i] === 1 && (m.id === 'heart_attack' || m.id === 'stroke' || m.id === 'seizure') ||
        (joke.some((j) => sentenceOf[j.from] === sentenceOf[i]) && (m.id === 'heart_attack' || m.id === 'stroke' || m.id === 'wish_dead' || m.id === 'harm_attempt' || m.id === 'ideation' || m.id === 'despair')),
      experiencer: expAt[i]!,
      sentence: sentenceOf[i]!,
      clause: clauseOf[i]!,
      atClauseEnd: m.to + 1 >= n || ts[m.to + 1]!.isPunct || ((ts[m.to + 1]!.w === 'mas' || ts[m.to + 1]!.w === 'anymore') && (m.to + 2 >= n || ts[m.to + 2]!.isPunct)),
      affirmed: false,
      ...(m.id === 'despair' && aimedAtService ? { aimedAtService: true } : {}),
    };
    if (m.type === 'function') {
      f.impaired = impairedOf.get(m) === true;
      f.normal = normalOf.get(m) === true;
    }
    const otherSettled = (f.experiencer === 'other' && somebodyFine) || (f.experiencer === 'family' && familyAsForSelf && f.type === 'event');
    f.affirmed = !f.negated && !f.historical && !f.hypothetical && !f.resolved && !f.idiom && !otherSettled;
    findings.push(f);
  }
  const ms = measures.map((m) => {
    const i = m.from;
    const flags = { negated: negated[i] === 1, historical: historical[i] === 1, hypothetical: hypothetical[i] === 1 || conditional[i] === 1 || ifClause[i] === 1, resolved: resolvedByChange[i] === 1 };
    return { ...m, ...flags, affirmed: !flags.negated && !flags.historical && !flags.hypothetical && !flags.resolved && !(expAt[i] === 'other' && somebodyFine) };
  });
  return { findings, measures: ms, sentenceOf, clauseOf, consumed, cues };
}
