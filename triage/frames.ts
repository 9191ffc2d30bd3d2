/**
 * Frames: the emergency and urgent discriminators, each a typed combination of concepts
 * (in any order within a sentence) and measures, with the published criterion it follows.
 * A frame fires on affirmed findings only (not negated, past, hypothetical, resolved, an
 * idiom, or someone else's settled event); the engine also runs every frame over all
 * findings to know when context alone held an emergency back (that still needs a person).
 */
import type { Finding } from './context.js';
import type { MeasureKind } from './measures.js';
import type { Urgency } from './types.js';

export interface MeasureFinding {
  kind: MeasureKind;
  value: number;
  from: number;
  to: number;
  affirmed: boolean;
}

export interface FrameInput {
  findings: Finding[];
  measures: MeasureFinding[];
}

export interface FrameHit {
  id: string;
  urgency: Exclude<Urgency, 'routine'>;
  category: string;
  /** the findings and measures that made it fire */
  evidence: { id: string; from: number; to: number }[];
  source: string;
}

type Ev = { id: string; from: number; to: number };

const NONE = Object.freeze([]) as unknown as Finding[];

/** What a frame sees: either affirmed findings only, or all of them (to find what context held back). */
export class View {
  private readonly byId = new Map<string, Finding[]>();
  readonly measures: MeasureFinding[];
  constructor(input: FrameInput, readonly strict: boolean) {
    for (const f of input.findings) {
      if (strict ? !f.affirmed : f.idiom) continue;
      if (f.type === 'function' && !f.impaired) {
        // a working function is not evidence of anything
        continue;
      }
      const key = f.type === 'function' ? `!${f.id}` : f.id;
      const list = this.byId.get(key);
      if (list) list.push(f);
      else this.byId.set(key, [f]);
    }
    this.measures = strict ? input.measures.filter((m) => m.affirmed) : input.measures;
  }
  get(...ids: string[]): Finding[] {
    // one id (the common case): the stored list itself, never copied (frames only read it)
    if (ids.length === 1) return this.byId.get(ids[0]!) ?? NONE;
    const out: Finding[] = [];
    for (const id of ids) {
      const l = this.byId.get(id);
      if (l) out.push(...l);
    }
    return out;
  }
  /** the ids seen (functions as "!id") */
  ids(): IterableIterator<string> {
    return this.byId.keys();
  }
  has(...ids: string[]): boolean {
    return ids.some((id) => (this.byId.get(id)?.length ?? 0) > 0);
  }
  /** impaired function ("not breathing"): ids are function ids */
  impaired(...fns: string[]): Finding[] {
    return this.get(...fns.map((f) => `!${f}`));
  }
  m(kind: MeasureKind): MeasureFinding[] {
    return this.measures.filter((x) => x.kind === kind);
  }
}

/** a pair from a and b in one sentence, at most `win` words apart (either order) */
export function near(a: Finding[], b: Finding[], win = 6): Ev[] | null {
  for (const x of a) {
    for (const y of b) {
      if (x === y || x.sentence !== y.sentence) continue;
      const gap = x.from <= y.from ? y.from - x.to : x.from - y.to;
      if (gap <= win) return [x, y];
    }
  }
  return null;
}

export function together(a: Finding[], b: Finding[]): Ev[] | null {
  for (const x of a) for (const y of b) if (x !== y && x.sentence === y.sentence) return [x, y];
  return null;
}

const first = (xs: Finding[]): Ev[] | null => (xs.length ? [xs[0]!] : null);
const anyOf = (...xs: (Ev[] | null)[]): Ev[] | null => xs.find((x) => x && x.length) ?? null;
const all = (...xs: (Ev[] | null)[]): Ev[] | null => (xs.every((x) => x && x.length) ? xs.flat() as Ev[] : null);
const mEv = (ms: MeasureFinding[]): Ev[] | null => (ms.length ? [{ id: `${ms[0]!.kind}=${ms[0]!.value}`, from: ms[0]!.from, to: ms[0]!.to }] : null);

const CHILD_WORDS = /^(son|daughter|kid|kids|child|children|baby|babies|infant|newborn|toddler|boy|girl|grandson|granddaughter|grandchild|niece|nephew|little one|twins|preemie|stepson|stepdaughter|hijo|hija|hijos|hijas|nino|nina|ninos|ninas|nene|nena|bebe|bebita|bebito|recien nacido|recien nacida|chamaco|chamaca|chiquito|chiquita|nieto|nieta|sobrino|sobrina|gemelos|teen|teenager|adolescente)$/;

export interface Ctx {
  v: View;
  /** words of the message (for a frame that needs to see which family word) */
  words: string[];
  ageDays: number | null;
  child: boolean;
  infant: boolean;
  pregnant: boolean;
  pregWeeks: number | null;
  postpartumDays: number | null;
  /** delivered recently (a postpartum word, whatever its tense) */
  postpartum: boolean;
}

// the largest single dose on the label, mg per kg of body weight
const LABEL_MG_PER_KG: [RegExp, number][] = [
  [/acetaminophen|tylenol|paracetamol|apap/, 15],
  [/ibuprofen|advil|motrin|ibuprofeno/, 10],
  [/diphenhydramine|benadryl/, 1.25],
];

/** A child's dose in mg above the label's largest single dose for their weight (20% margin). */
function overLabel(v: View): boolean {
  const kg = v.m('weight_kg')[0]?.value;
  const mg = v.m('dose_mg').map((d) => d.value);
  if (!kg || !mg.length) return false;
  for (const med of v.get('med_name')) {
    const rule = LABEL_MG_PER_KG.find(([re]) => re.test(med.pattern.replace(/=/g, '')));
    if (rule && Math.max(...mg) > rule[1] * kg * 1.2) return true;
  }
  return false;
}

export interface Frame {
  id: string;
  urgency: Exclude<Urgency, 'routine'>;
  category: string;
  source: string;
  test: (c: Ctx) => Ev[] | null;
}

const SYSTEMIC_ALLERGY = ['breathless', 'wheeze', 'choking', 'syncope', 'near_syncope', 'dizzy', 'vomit', 'unresponsive', 'cyanosis', 'pale'];

export const FRAMES: Frame[] = [
  // ====================================================================== emergencies
  {
    id: 'chest_pain',
    urgency: 'emergency',
    category: 'cardiac',
    // AHA "Warning Signs of a Heart Attack" (chest discomfort, spreading to arm/jaw/back,
    // breathlessness, cold sweat, nausea, light-headedness); MTS "cardiac pain" discriminator
    source: 'AHA heart attack warning signs; Manchester Triage System: cardiac pain',
    test: ({ v }) =>
      anyOf(
        first(v.get('heart_attack')),
        first(v.get('icd_shock')),
        near(v.get('chest', 'heart'), v.get('pain', 'pressure'), 6),
        v.get('chest', 'heart').length && v.get('pressure').some((p) => /elephant|brick|sitting on|elefante|piedra|peso/.test(p.pattern)) ? first(v.get('pressure')) : null,
        all(near(v.get('chest', 'heart'), v.get('burning'), 6), first(v.get('sweating', 'nausea', 'breathless', 'dizzy', 'syncope', 'near_syncope', 'cardiac_history', 'radiating', 'pain'))),
        all(near(v.get('pain', 'pressure'), v.get('radiating'), 4), first(v.get('radiation_site')), first(v.get('sweating', 'nausea', 'breathless', 'dizzy', 'cardiac_history'))),
        // AHA: discomfort in the jaw, neck, shoulder or arm with a cold sweat or breathlessness
        all(near(v.get('pain', 'pressure'), v.get('radiation_site').filter((r) => /jaw|shoulder|arm|quijada|mandibula|hombro|brazo/.test(r.pattern)), 5), first(v.get('sweating', 'breathless', 'near_syncope'))),
        all(first(v.get('palpitations')), first(v.get('syncope', 'near_syncope', 'breathless', 'pain', 'pressure'))),
        all(first(v.get('palpitations')), first(v.get('dizzy')), first(v.get('at_rest', 'severe', 'persistent'))),
      ),
  },
  {
    id: 'stroke_signs',
    urgency: 'emergency',
    category: 'stroke',
    // AHA/ASA BE FAST: Balance, Eyes, Face, Arm, Speech, Time
    source: 'AHA/ASA BE FAST stroke signs',
    test: ({ v }) => {
      const limbs = v.get('limb', 'leg', 'face', 'one_side');
      const onset = v.get('sudden');
      const beFast = [...v.get('droop', 'speech_abnormal', 'vision_loss', 'balance', 'one_side'), ...v.impaired('speak')];
      return anyOf(
        first(v.get('stroke')),
        near(v.get('droop'), v.get('face', 'lips', 'eyes', 'one_side'), 6),
        first(v.get('speech_abnormal')),
        first(v.impaired('speak')),
        all(first(v.impaired('understand')), first([...onset, ...beFast])),
        all(near(v.get('weak', 'numb'), limbs, 6), first([...onset, ...v.get('one_side'), ...beFast])),
        all(near(v.impaired('move', 'feel'), limbs, 5), first([...onset, ...v.get('one_side'), ...beFast, ...v.get('weak', 'numb')])),
        all(first(v.get('vision_loss')), first([...onset, ...v.get('balance', 'weak', 'numb', 'droop', 'speech_abnormal')])),
        all(first(v.get('balance')), first(onset), first([...v.get('vision_loss', 'vision_change', 'weak', 'numb', 'speech_abnormal', 'dizzy')])),
        all(first(v.get('amnesia')), first(onset)),
      );
    },
  },
  {
    id: 'trouble_breathing',
    urgency: 'emergency',
    category: 'breathing',
    // MTS discriminators "inadequate breathing", "unable to talk in sentences", "cyanosis",
    // "stridor"; ESI level 1-2 respiratory distress
    source: 'Manchester Triage System: inadequate breathing, unable to talk in sentences, cyanosis; ESI v4 high-risk respiratory',
    test: ({ v, words }) => {
      const exertional = v.get('exertional').length > 0 && v.get('at_rest').length === 0;
      const breathless = v.get('breathless');
      const hard = v.impaired('breathe');
      const acute = [...breathless, ...hard];
      const body = v.get('lips', 'face', 'skin', 'tongue', 'limb');
      return anyOf(
        exertional ? null : first(acute),
        exertional ? all(first(acute), first(v.get('at_rest', 'severe', 'cyanosis', 'syncope', 'pressure', 'pain'))) : null,
        first(v.get('choking')),
        first(v.get('cyanosis').filter((c) => /turn|puso|poniendo|esta/.test(c.pattern))),
        near(v.get('cyanosis'), body, 4),
        all(first(v.get('wheeze', 'asthma_attack')), first([...v.impaired('speak'), ...v.get('inhaler_fail', 'retractions', 'cyanosis'), ...v.get('severe').filter((s) => /hard|so bad|really|fuerte|mucho|tanto/.test(s.pattern))])),
        first(v.get('retractions')),
        all(first(v.get('grunting')), first([...acute, ...v.get('retractions')])),
        all(first(v.impaired('speak')), first([...v.get('wheeze', 'breathless', 'asthma_attack'), ...hard])),
        all(first(v.get('inhaler_fail')), first([...acute, ...v.get('wheeze', 'asthma_attack', 'pressure')])),
        words.includes('stridor') ? [{ id: 'stridor', from: 0, to: 0 }] : null,
        // noisy breathing in (stridor) or croup at rest: NICE CKS croup, moderate to severe
        // (Westley score), needs emergency assessment
        all(first([...v.get('croup'), ...v.get('wheeze').filter((w) => /stridor|high|agudo|estridor/.test(w.pattern))]), first(v.get('at_rest'))),
      );
    },
  },
  {
    id: 'anaphylaxis',
    urgency: 'emergency',
    category: 'anaphylaxis',
    // World Allergy Organization anaphylaxis criteria 2020: skin/mucosal signs after a likely
    // allergen plus airway, breathing, circulation or severe gut involvement; tongue or throat
    // swelling alone is airway involvement
    source: 'World Allergy Organization anaphylaxis criteria (2020)',
    test: ({ v }) => {
      const trigger = v.get('allergen', 'allergy', 'hives', 'itchy_mouth');
      const systemic = [...v.get(...SYSTEMIC_ALLERGY), ...v.impaired('breathe', 'swallow', 'speak')];
      const cough = v.get('cough').filter((c) => v.get('severe', 'persistent').some((s) => s.sentence === c.sentence));
      return anyOf(
        first(v.get('anaphylaxis')),
        first(v.get('epi_used')),
        near(v.get('throat'), v.get('closing', 'swelling', 'pressure'), 4),
        near(v.get('tongue'), v.get('swelling'), 5),
        all(near(v.get('lips', 'face', 'eyes'), v.get('swelling'), 6), first(systemic)),
        all(first(trigger), first([...systemic, ...cough])),
        all(first(v.get('hives')), first(v.get('throat'))),
        all(first(v.get('itchy_mouth')), first(v.get('allergen', 'allergy')), first(v.get('vomit', 'pain'))),
      );
    },
  },
  {
    id: 'suicidal_intent',
    urgency: 'emergency',
    category: 'self_harm',
    // Columbia Suicide Severity Rating Scale (C-SSRS) screener: wish to be dead, active
    // thoughts, method, intent, plan, preparatory behaviour; any rung affirmed goes to 988/911.
    // Thoughts of harming the baby: CDC Hear Her urgent maternal warning sign.
    source: 'Columbia Suicide Severity Rating Scale (C-SSRS); CDC Hear Her (thoughts of harming self or baby)',
    test: ({ v }) =>
      anyOf(
        first(v.get('wish_dead', 'ideation', 'self_injury', 'harm_others', 'harm_attempt')),
        all(first(v.get('harm_method')), first(v.get('despair', 'harm_plan', 'wish_dead'))),
        // a method turned on oneself ("my dad's gun ... using it on myself", "usarla contra mi")
        all(first(v.get('harm_method')), first(v.get('reflexive'))),
        // a farewell with despair, a wish, a plan or a method; goodbyes sent and no answer since
        all(first(v.get('farewell')), first(v.get('despair', 'wish_dead', 'harm_plan', 'harm_method'))),
        all(first(v.get('harm_plan').filter((p) => /goodbye|despedida|despidi/.test(p.pattern))), first([...v.get('unreachable', 'unresponsive'), ...v.impaired('respond')])),
        // preparation (a chosen date, a farewell, bought the means) with a second plan or despair
        // cue (C-SSRS preparatory behaviour): "I have a plan and I've picked the day"
        preparation(v),
        all(first(v.get('despair')), first(v.get('harm_plan'))),
        loneDespair(v),
      ),
  },
  {
    id: 'severe_bleeding',
    urgency: 'emergency',
    category: 'bleeding_trauma',
    // MTS "exsanguinating haemorrhage" / "uncontrollable major haemorrhage"; ACS Stop the
    // Bleed (spurting, pooling, soaking through); haematemesis and haemoptysis of volume
    source: 'Manchester Triage System: major haemorrhage; ACS Stop the Bleed',
    test: ({ v }) => {
      const minimised = (fs: Finding[]) => fs.filter((b) => !v.get('minimizer').some((m) => m.sentence === b.sentence && Math.abs(m.from - b.from) <= 6));
      const bleeding = minimised(v.get('bleeding'));
      const heavy = [...v.get('bleed_heavy', 'persistent', 'severe'), ...v.impaired('stop')];
      return anyOf(
        near(bleeding, heavy, 6),
        all(near(bleeding, v.get('vomit'), 4)),
        all(near(bleeding, v.get('cough'), 5), first(v.get('bleed_heavy', 'severe'))),
        all(near(bleeding, v.get('rectum', 'stool'), 6), first(v.get('bleed_heavy', 'dizzy', 'syncope', 'near_syncope', 'pale', 'weak'))),
        all(first(bleeding), first(v.get('anticoagulant')), first(v.get('persistent', 'bleed_heavy', 'head_injury', 'urine'))),
      );
    },
  },
  {
    id: 'major_trauma',
    urgency: 'emergency',
    category: 'bleeding_trauma',
    // ATLS / CDC field triage: penetrating injury, high-energy mechanism, open fracture,
    // amputation; NICE CG176 head injury on anticoagulants or with loss of consciousness,
    // vomiting or drowsiness
    source: 'CDC Field Triage Guidelines (mechanism, penetrating injury, open fracture, amputation); NICE CG176 head injury',
    test: ({ v, child }) =>
      anyOf(
        first(v.get('penetrating')),
        first(v.get('mechanism')),
        first(v.get('open_fracture')),
        first(v.get('amputation')),
        // ABA burn centre referral / MTS "burns": a deep burn (white, charred, skin coming off)
        // or one over a whole limb, chest, back or face
        together([...v.get('injury').filter((i) => /burn|scald|quem/.test(i.pattern)), ...v.get('wound').filter((w) => /burn|quemadura/.test(w.pattern))], v.get('burn_deep')),
        all(first(v.get('head_injury')), first([...v.get('anticoagulant', 'syncope', 'unresponsive', 'vomit', 'drowsy', 'confusion', 'seizure', 'amnesia'), ...v.get('headache').filter(() => v.has('severe', 'worst_ever'))])),
        all(first(v.get('injury')), first(v.get('anticoagulant')), first(v.get('head', 'drowsy', 'confusion'))),
        // NICE CG176: a fall followed by headache with vomiting or drowsiness is a head injury
        // with red flags, whether or not the head is named
        all(first(v.get('injury', 'mechanism').filter((i) => /fall|fell|cai|cayo|caida|caerse/.test(i.pattern))), first(v.get('headache')), first(v.get('vomit', 'drowsy', 'confusion', 'amnesia'))),
        child ? all(first(v.get('injury', 'mechanism')), first(v.get('head')), first(v.get('vomit', 'drowsy', 'syncope', 'unresponsive'))) : null,
        all(first(v.get('injury', 'mechanism')), first([...v.impaired('move', 'breathe', 'respond', 'wake'), ...v.get('unresponsive')])),
      ),
  },
  {
    id: 'overdose_poisoning',
    urgency: 'emergency',
    category: 'overdose_poisoning',
    // Poison centre referral rules (AAPCC / America's Poison Centers): any ingestion by a
    // child, a dose above the label or unknown, caustics and hydrocarbons, button batteries,
    // magnets (more than one), nicotine, cannabis edibles
    source: "America's Poison Centers triage: child ingestion, dose above label or unknown, button battery, magnets, caustics",
    test: ({ v, child }) => {
      const ingest = v.get('ingest', 'ingest_acc');
      const meds = v.get('medication', 'med_name', 'critical_med');
      const counts = v.m('pill_count');
      return anyOf(
        first(v.get('overdose')),
        first(v.get('poisoning')),
        all(first(v.get('co_exposure')), first(v.get('headache', 'vomit', 'nausea', 'dizzy', 'drowsy', 'confusion', 'syncope', 'unresponsive'))),
        together(ingest, v.get('product', 'battery', 'magnet')),
        all(first(v.get('battery', 'magnet')), first(v.get('ingest', 'vomit', 'pain'))),
        all(first(v.get('excess')), first([...meds, ...ingest])),
        all(together(ingest, [...meds, ...v.get('bulk_amount')]), first(v.get('bulk_amount'))),
        all(first([...ingest, ...meds]), mEv(counts.filter((c) => c.value >= 8))),
        // a medication error (a double dose, someone else's pills) with systemic symptoms:
        // poison-centre rule "symptomatic after an exposure" is an emergency referral
        all(first(v.get('accidental', 'excess', 'bulk_amount')), first(meds), first(v.get('dizzy', 'drowsy', 'syncope', 'near_syncope', 'confusion', 'unresponsive', 'palpitations', 'shaky', 'sweating', 'breathless', 'seizure', 'slow_heart'))),
      );
    },
  },
  {
    id: 'child_ingestion',
    urgency: 'emergency',
    category: 'overdose_poisoning',
    // America's Poison Centers: any ingestion by a child of someone's medicine or a household
    // product is a call now; a dose above the label (by weight) too
    source: "America's Poison Centers triage: any child ingestion; dose above label",
    test: ({ v, child }) => {
      if (!child) return null;
      const ingest = v.get('ingest', 'ingest_acc');
      const meds = v.get('medication', 'med_name', 'critical_med');
      const counts = v.m('pill_count');
      return anyOf(
        all(first(ingest), first(meds), first([...v.get('accidental', 'bulk_amount', 'excess', 'ingest_acc'), ...(counts.length ? [ingest[0]!] : [])])),
        all(first(ingest), first(v.get('product', 'battery', 'magnet'))),
        all(first(v.get('ingest_acc')), first(meds)),
        overLabel(v) ? first(meds) : null,
      );
    },
  },
  {
    id: 'infant_fever',
    urgency: 'emergency',
    category: 'pediatric',
    // NICE NG143 traffic light, red: age under 3 months with temperature 38 C or higher
    source: 'NICE NG143 fever in under 5s: red, age < 3 months and temperature >= 38 C',
    test: ({ v, infant }) => (infant ? anyOf(first(v.get('fever')), mEv(v.m('temp_c').filter((t) => t.value >= 38))) : null),
  },
  {
    id: 'unresponsive_child',
    urgency: 'emergency',
    category: 'pediatric',
    // NICE NG143 red features: pale/mottled/ashen/blue, no response to social cues, does not
    // wake or stay awake, grunting, chest indrawing, non-blanching rash, bulging fontanelle,
    // neck stiffness; bilious vomiting (surgical emergency); reduced urine output with lethargy
    source: 'NICE NG143 red features; bilious vomiting in children (surgical emergency)',
    test: ({ v, child, infant }) =>
      anyOf(
        first(v.get('rash_nonblanching')),
        near(v.get('fontanelle'), v.get('swelling'), 8),
        child || infant ? first(v.get('floppy')) : null,
        child || infant ? first(v.impaired('wake', 'respond')) : null,
        child || infant ? first(v.get('green_vomit')) : null,
        child || infant ? first(v.get('weak_cry')) : null,
        infant ? all(first(v.get('cold_body')), first([...v.get('poor_feeding', 'drowsy', 'floppy', 'pale'), ...v.impaired('wake')])) : null,
        // a hard belly with vomiting or pain in a child: an acute abdomen (intussusception,
        // volvulus) until shown otherwise
        child || infant ? all(first(v.get('rigid_belly')), first(v.get('vomit', 'pain', 'green_vomit'))) : null,
        child || infant ? all(first([...v.get('dehydration'), ...v.impaired('pee')]), first(v.get('drowsy', 'floppy', 'unresponsive', 'pale'))) : null,
        child || infant ? all(first(v.get('pale')), first(v.get('fever', 'drowsy', 'floppy'))) : null,
        infant ? all(first(v.get('poor_feeding')), first(v.get('fever', 'drowsy', 'floppy', 'pale', 'vomit', 'cold_body'))) : null,
        infant ? all(first(v.get('drowsy')), first(v.get('fever', 'poor_feeding', 'pale'))) : null,
        child || infant ? all(first(v.get('grunting')), first(v.get('breathless', 'fever', 'drowsy'))) : null,
        child || infant ? all(first(v.get('seizure')), first(v.get('fever', 'drowsy', 'unresponsive'))) : null,
        // a child with belly pain, fever and vomiting (appendicitis until shown otherwise)
        child ? all(near(v.get('belly'), v.get('pain'), 6), first(v.get('fever')), first(v.get('vomit'))) : null,
      ),
  },
  {
    id: 'testicular_torsion',
    urgency: 'emergency',
    category: 'pediatric',
    // AUA / EAU paediatric urology: sudden testicular pain (with or without swelling) is
    // torsion until shown otherwise, a surgical emergency (salvage falls after 6 hours)
    source: 'AUA/EAU: acute scrotum, testicular torsion is a surgical emergency',
    test: ({ v }) => all(near(v.get('testicle'), v.get('pain', 'swelling'), 6), first(v.get('sudden'))),
  },
  {
    id: 'pregnancy_danger',
    urgency: 'emergency',
    category: 'obstetric',
    // CDC Hear Her urgent maternal warning signs (bleeding or fluid leaking in pregnancy,
    // heavy bleeding after, baby's movement slowing or stopping, severe headache, vision
    // changes, severe belly pain, fever, chest pain, trouble breathing, seizure); ACOG severe
    // hypertension in pregnancy >= 160/110
    source: 'CDC Hear Her urgent maternal warning signs; ACOG severe-range blood pressure in pregnancy',
    test: (c) => {
      const { v, pregnant, pregWeeks, postpartumDays } = c;
      const pp = postpartumDays !== null ? postpartumDays <= 42 : c.postpartum;
      if (!pregnant && !pp) return null;
      const minimised = v.get('minimizer').length > 0 && !v.has('bleed_heavy', 'clots');
      const bleeding = v.get('bleeding');
      const sbp = v.m('sbp');
      const dbp = v.m('dbp');
      return anyOf(
        pregnant && !minimised && (pregWeeks === null || pregWeeks >= 14 || v.has('severe', 'pain', 'clots')) ? first(bleeding) : null,
        pregnant && !minimised ? all(first(bleeding), first(v.get('pain', 'severe', 'bleed_heavy', 'clots'))) : null,
        pp ? all(first(bleeding), first(v.get('bleed_heavy', 'clots', 'persistent', 'dizzy', 'syncope'))) : null,
        // "soaking a pad every hour", "big clots": bleeding said without the word
        first(v.get('bleed_heavy').filter((b) => /pad|toalla|soak|empap|clot|coagul/.test(b.pattern))),
        !minimised ? first(v.get('clots')) : null,
        pregnant ? first([...v.impaired('fetal_move'), ...v.get('fetal_quiet')]) : null,
        all(first(v.get('headache')), first(v.get('severe', 'persistent', 'worst_ever', 'vision_change', 'vision_loss'))),
        first(v.get('vision_change', 'vision_loss')),
        pregnant && (pregWeeks === null || pregWeeks < 37) ? first(v.get('fluid_leak')) : null,
        pregnant && pregWeeks !== null && pregWeeks < 37 ? first(v.get('contractions')) : null,
        first(v.get('cord')),
        first(v.get('rigid_belly')),
        all(near(v.get('belly'), v.get('pain'), 6), first(v.get('severe', 'sudden'))),
        // ACOG Committee Opinion 518 / trauma in pregnancy: a fall or blow onto the belly needs
        // fetal monitoring (placental abruption)
        pregnant ? near(v.get('injury', 'mechanism', 'head_injury'), v.get('belly'), 5) : null,
        mEv([...sbp.filter((s) => s.value >= 160), ...dbp.filter((d) => d.value >= 110)]),
        all(mEv([...sbp.filter((s) => s.value >= 140), ...dbp.filter((d) => d.value >= 90)]), first(v.get('headache', 'vision_change', 'swelling', 'pain'))),
        pp ? all(first(v.get('fever')), first(v.get('discharge_foul', 'weak', 'dizzy', 'severe'))) : null,
        all(first(v.get('fever')), first(v.get('fluid_leak'))),
      );
    },
  },
  {
    id: 'seizure',
    urgency: 'emergency',
    category: 'neuro_other',
    // MTS "currently fitting"; any first or ongoing seizure
    source: 'Manchester Triage System: currently fitting, altered conscious level',
    test: ({ v }) => first(v.get('seizure')),
  },
  {
    id: 'fainting_or_confusion',
    urgency: 'emergency',
    category: 'neuro_other',
    // MTS "unresponsive", "altered conscious level", "history of unconsciousness", "acute
    // neurological deficit"; AAN transient global amnesia; cauda equina red flags; rapidly
    // ascending weakness (Guillain-Barre)
    source: 'Manchester Triage System: altered conscious level, history of unconsciousness, acute neurological deficit',
    test: ({ v }) =>
      anyOf(
        first(v.get('unresponsive')),
        first(v.impaired('wake', 'respond')),
        first(v.get('syncope')),
        first(v.get('confusion')),
        first(v.get('amnesia')),
        all(first(v.get('incontinence')), first([...v.get('pain', 'numb', 'weak', 'leg'), ...v.impaired('feel', 'walk')])),
        all(near(v.get('weak', 'numb'), v.get('leg', 'limb'), 6), first(v.get('ascending'))),
        near(v.get('weak'), v.get('ascending').filter((a) => /climb|rising|moving up|spreading up|going up|sube|subiendo/.test(a.pattern)), 6),
        all(first(v.get('drowsy')), first(v.get('confusion', 'diabetes', 'head_injury', 'dka_breath', 'vomit'))),
        all(first(v.get('ingest', 'medication', 'product')), first(v.get('drowsy')), first(v.get('severe', 'persistent'))),
      ),
  },
  {
    id: 'sudden_severe_headache',
    urgency: 'emergency',
    category: 'neuro_other',
    // thunderclap headache (NICE CKS headache red flags; Ottawa SAH rule); meningism
    // (fever with neck stiffness or photophobia)
    source: 'NICE CKS headache red flags (thunderclap, worst ever); meningism: fever with neck stiffness or photophobia',
    test: ({ v }) =>
      anyOf(
        all(first(v.get('headache')), first(v.get('worst_ever', 'sudden'))),
        all(first(v.get('headache')), first(v.get('severe')), first(v.get('vomit', 'stiff_neck', 'photophobia', 'confusion', 'head_injury'))),
        all(first(v.get('fever')), first(v.get('stiff_neck'))),
        all(first(v.get('stiff_neck')), first(v.get('photophobia', 'rash_nonblanching'))),
        all(first(v.get('fever')), first(v.get('photophobia')), first(v.get('headache', 'vomit'))),
        first(v.get('meningitis')),
      ),
  },
  {
    id: 'low_oxygen',
    urgency: 'emergency',
    category: 'vitals',
    // ESI v4 danger-zone vitals: SpO2 < 92%; < 90% is an emergency at home
    source: 'ESI v4 danger-zone vital signs (SpO2 < 92%)',
    test: ({ v }) => mEv(v.m('spo2').filter((s) => s.value < 90)),
  },
  {
    id: 'abnormal_heart_rate',
    urgency: 'emergency',
    category: 'vitals',
    // ESI v4 danger-zone heart rate; AHA bradycardia/tachycardia algorithms (symptomatic)
    source: 'ESI v4 danger-zone vital signs; AHA adult tachycardia and bradycardia with symptoms',
    test: ({ v }) => {
      const hr = v.m('hr');
      const symptoms = v.get('dizzy', 'near_syncope', 'syncope', 'pain', 'pressure', 'breathless', 'palpitations', 'weak', 'confusion');
      return anyOf(
        mEv(hr.filter((h) => h.value >= 150 || h.value <= 40)),
        // a slow pulse after too much of a heart medicine
        all(mEv(hr.filter((h) => h.value <= 50)), first(v.get('accidental', 'excess', 'overdose'))),
        all(mEv(hr.filter((h) => h.value >= 130 || h.value <= 50)), first(symptoms)),
      );
    },
  },
  {
    id: 'abnormal_blood_pressure',
    urgency: 'emergency',
    category: 'vitals',
    // shock: systolic < 90; 2017 ACC/AHA hypertensive emergency: >= 180/120 with target-organ
    // symptoms (headache, vision, chest pain, breathlessness, neurological signs)
    source: 'ACC/AHA 2017 hypertensive emergency; systolic < 90 mmHg (shock)',
    test: ({ v }) => {
      const sbp = v.m('sbp');
      const dbp = v.m('dbp');
      const organ = v.get('headache', 'vision_change', 'vision_loss', 'pain', 'pressure', 'breathless', 'confusion', 'weak', 'numb', 'speech_abnormal', 'droop');
      return anyOf(
        mEv(sbp.filter((s) => s.value < 90)),
        mEv([...sbp.filter((s) => s.value >= 220), ...dbp.filter((d) => d.value >= 130)]),
        all(mEv([...sbp.filter((s) => s.value >= 180), ...dbp.filter((d) => d.value >= 120)]), first(organ)),
      );
    },
  },
  {
    id: 'low_blood_sugar',
    urgency: 'emergency',
    category: 'vitals',
    // ADA Standards of Care: level 2 hypoglycaemia < 54 mg/dL; level 3 = altered mental or
    // physical state needing assistance
    source: 'ADA Standards of Care: hypoglycaemia level 2 (< 54 mg/dL) and level 3',
    test: ({ v }) => {
      const g = v.m('glucose');
      const neuro = v.get('confusion', 'sweating', 'dizzy', 'drowsy', 'unresponsive', 'weak', 'syncope', 'seizure', 'shaky');
      const shaky = v.get('seizure').length ? [] : v.get('numb');
      return anyOf(
        mEv(g.filter((x) => x.value < 40)),
        all(mEv(g.filter((x) => x.value < 55)), first([...neuro, ...shaky, ...v.get('persistent')])),
        // too much insulin (or a sulfonylurea) with the signs of a low
        all(first(v.get('excess', 'accidental', 'bulk_amount')), first(v.get('critical_med', 'med_name').filter((m) => /insulin|glipizide|glyburide|glimepiride/.test(m.pattern))), first(v.get('shaky', 'sweating', 'confusion', 'drowsy', 'dizzy'))),
        all(near(v.get('low'), [...v.get('diabetes')], 8) ?? first(v.get('low').filter((l) => /sugar|azucar|glucos/.test(l.pattern))), first(v.get('confusion', 'unresponsive', 'drowsy', 'seizure'))),
      );
    },
  },
  {
    id: 'high_blood_sugar',
    urgency: 'emergency',
    category: 'vitals',
    // ADA hyperglycaemic crises (DKA/HHS): very high glucose with vomiting, abdominal pain,
    // fast breathing, fruity breath, confusion; electrolytes: sodium < 120, potassium >= 6;
    // adrenal crisis (Endocrine Society)
    source: 'ADA hyperglycemic crises (DKA/HHS); Endocrine Society adrenal crisis; critical electrolytes',
    test: ({ v }) => {
      const g = v.m('glucose');
      const crisis = [...v.get('vomit', 'confusion', 'breathless', 'drowsy', 'dka_breath', 'dehydration', 'unresponsive'), ...v.impaired('breathe')];
      return anyOf(
        mEv(g.filter((x) => x.value >= 600)),
        all(mEv(g.filter((x) => x.value >= 400)), first(crisis)),
        all(first(v.get('dka_breath')), first(v.get('diabetes', 'vomit', 'pain', 'nausea'))),
        all(mEv(v.m('sodium').filter((x) => x.value < 121)), first(v.get('headache', 'nausea', 'confusion', 'vomit', 'seizure', 'weak'))),
        mEv(v.m('potassium').filter((x) => x.value >= 6)),
        all(first(v.get('adrenal')), first(v.get('vomit', 'fever', 'weak', 'confusion', 'dizzy')), first([...v.get('severe', 'vomit'), ...v.impaired('keep_down')])),
      );
    },
  },
  {
    id: 'extreme_temperature',
    urgency: 'emergency',
    category: 'vitals',
    // MTS "very hot" (>= 41 C); hyperpyrexia >= 40.5 C (105 F)
    source: 'Manchester Triage System: very hot (hyperpyrexia)',
    test: ({ v }) => mEv(v.m('temp_c').filter((t) => t.value >= 40.5)),
  },
  {
    id: 'bleeding_on_anticoagulant',
    urgency: 'emergency',
    category: 'vitals',
    // CHEST guideline on warfarin: INR above range with bleeding needs urgent reversal
    source: 'CHEST/ACCP management of supratherapeutic INR with bleeding',
    test: ({ v }) => all(mEv(v.m('inr').filter((x) => x.value >= 5)), first(v.get('bleeding'))),
  },
  {
    id: 'abnormal_breathing_rate',
    urgency: 'emergency',
    category: 'vitals',
    source: 'ESI v4 danger-zone vital signs (respiratory rate)',
    test: ({ v }) => mEv(v.m('rr').filter((x) => x.value >= 30 || x.value <= 8)),
  },

  // ====================================================================== urgent (a clinician today)
  {
    id: 'high_fever',
    urgency: 'urgent',
    category: 'urgent_fever',
    // NICE NG143 amber (3-6 months >= 39 C, fever >= 5 days); adult >= 39.4 C (103 F); fever
    // on chemotherapy (neutropenic sepsis risk, NICE CG151)
    source: 'NICE NG143 amber features; NICE CG151 neutropenic sepsis',
    test: ({ v, ageDays, child }) => {
      const fever = v.get('fever');
      const t = v.m('temp_c');
      return anyOf(
        mEv(t.filter((x) => x.value >= 39.4)),
        ageDays !== null && ageDays < 183 ? anyOf(first(fever), mEv(t.filter((x) => x.value >= 38))) : null,
        child ? mEv(t.filter((x) => x.value >= 39)) : null,
        all(first(fever), mEv(v.m('symptom_days').filter((d) => d.value >= 3))),
        all(anyOf(first(fever), mEv(t.filter((x) => x.value >= 38))), first(v.get('immunocompromised', 'hives', 'persistent', 'severe', 'postpartum', 'pregnant', 'drowsy', 'breathless', 'chest', 'post_op'))),
      );
    },
  },
  {
    id: 'wound_infection',
    urgency: 'urgent',
    category: 'urgent_infection',
    source: 'NICE NG141 cellulitis (spreading redness, systemic signs); surgical site infection',
    test: ({ v }) =>
      anyOf(
        all(first(v.get('wound')), first(v.get('infection_sign', 'swelling'))),
        all(first(v.get('infection_sign').filter((s) => /streak|spread|pus|abscess|extiend|rayas|supura/.test(s.pattern))), first(v.get('limb', 'leg', 'skin', 'face', 'fever'))),
        // a red line running up a limb from a scratch: lymphangitis
        all(first(v.get('infection_sign').filter((s) => /streak|raya|red line|linea/.test(s.pattern))), first(v.get('limb', 'leg', 'radiation_site', 'wound'))),
        all(first(v.get('fever')), first(v.get('infection_sign').filter((s) => /pus|drain|abscess|supura|oozing/.test(s.pattern)))),
      ),
  },
  {
    id: 'severe_pain',
    urgency: 'urgent',
    category: 'urgent_pain',
    source: 'Manchester Triage System: severe pain (urgent)',
    test: ({ v }) =>
      anyOf(
        near(v.get('pain', 'headache'), v.get('severe', 'worst_ever'), 6),
        all(near(v.get('belly'), v.get('pain'), 8), first(v.get('vomit', 'fever', 'persistent'))),
        all(near(v.get('testicle'), v.get('pain', 'swelling'), 6)),
        v.get('pain').some((p) => /cramp|colico/.test(p.pattern)) && v.has('severe') ? first(v.get('pain')) : null,
      ),
  },
  {
    id: 'injury',
    urgency: 'urgent',
    category: 'urgent_injury',
    source: 'Ottawa ankle and knee rules (cannot bear weight); NICE CG176 head injury; burns with blisters',
    test: ({ v }) =>
      anyOf(
        all(first(v.get('injury', 'head_injury', 'mechanism')), first([...v.impaired('walk', 'move'), ...v.get('swelling', 'blister', 'gaping', 'severe', 'open_fracture', 'bone')])),
        first(v.get('head_injury')),
        first(v.get('gaping', 'open_fracture')),
        first(v.get('injury').filter((i) => /broke|fractur|dislocat|disloc|zaf|quebr|roto|rota|bit|bite|mordi|puncture/.test(i.pattern))),
        first(v.impaired('walk')),
        all(first(v.get('injury')), first(v.get('bleeding'))),
      ),
  },
  {
    id: 'cannot_keep_fluids',
    urgency: 'urgent',
    category: 'urgent_gi',
    source: 'NICE CG84 gastroenteritis in children (dehydration); NICE CKS gastrointestinal bleeding',
    test: ({ v }) =>
      anyOf(
        first(v.impaired('keep_down')),
        first(v.get('dehydration')),
        all(first(v.get('vomit', 'diarrhea')), first([...v.get('persistent', 'severe', 'weak', 'dizzy'), ...v.impaired('pee')])),
        all(first(v.get('vomit', 'diarrhea')), mEv(v.m('symptom_days').filter((d) => d.value >= 2))),
        near(v.get('bleeding'), v.get('stool', 'rectum'), 6),
        first(v.get('black_stool')),
      ),
  },
  {
    id: 'mental_health_crisis',
    urgency: 'urgent',
    category: 'urgent_mental_health',
    source: 'UK Mental Health Triage Scale (urgent: acute distress, psychosis, severe depression)',
    test: ({ v }) => first(v.get('mental_crisis', 'despair')),
  },
  {
    id: 'pregnancy_concern',
    urgency: 'urgent',
    category: 'urgent_pregnancy',
    source: 'CDC Hear Her warning signs; ACOG early pregnancy bleeding and ectopic risk',
    test: ({ v, pregnant }) => {
      const pp = v.has('postpartum');
      if (!pregnant && !pp) return null;
      return anyOf(
        first(v.get('bleeding', 'pain', 'vomit', 'swelling', 'fever', 'burning', 'contractions', 'dizzy', 'headache', 'fluid_leak', 'infection_sign', 'uti')),
        first(v.impaired('keep_down')),
      );
    },
  },
  {
    id: 'medication_problem',
    urgency: 'urgent',
    category: 'urgent_medication',
    source: 'ISMP high-alert medications (insulin, anticoagulants, antiepileptics): gaps and errors need same-day review',
    test: ({ v }) =>
      anyOf(
        all(first(v.get('ran_out')), first([...v.get('critical_med', 'anticoagulant'), ...v.get('med_name').filter((m) => CRITICAL_NAME.test(m.pattern))])),
        all(first(v.get('accidental')), first([...v.get('ingest', 'medication', 'med_name', 'critical_med')])),
        mEv(v.m('inr').filter((x) => x.value >= 4 || x.value < 1.5)),
        all(first(v.get('hives', 'swelling')), first(v.get('allergen', 'medication', 'med_name', 'critical_med'))),
        all(first(v.get('excess')), first(v.get('medication', 'med_name'))),
      ),
  },
  {
    id: 'breathing_concern',
    urgency: 'urgent',
    category: 'urgent_respiratory',
    source: 'BTS/SIGN asthma guideline (moderate exacerbation); NICE NG138 pneumonia',
    test: ({ v }) =>
      anyOf(
        first(v.get('wheeze', 'asthma_attack', 'croup', 'breathless')),
        first(v.impaired('breathe')),
        near(v.get('bleeding'), v.get('cough'), 6),
        first(v.get('hemoptysis')),
        all(first(v.get('cough')), first(v.get('fever')), first(v.get('pain', 'breathless', 'chest'))),
        // NICE NG120 (acute cough): fever with a cough that goes on for days needs a review
        all(first(v.get('cough')), first(v.get('fever')), anyOf(mEv(v.m('symptom_days').filter((d) => d.value >= 3)), first(v.get('persistent')))),
      ),
  },
  {
    id: 'vital_sign_concern',
    urgency: 'urgent',
    category: 'urgent_vitals',
    source: 'ESI v4 danger-zone vitals; ADA hypo/hyperglycaemia; ACC/AHA severe hypertension',
    test: ({ v }) =>
      anyOf(
        mEv(v.m('spo2').filter((x) => x.value < 93)),
        first(v.get('slow_heart')),
        mEv(v.m('hr').filter((x) => x.value >= 110 || x.value <= 50)),
        mEv([...v.m('sbp').filter((x) => x.value >= 180 || x.value < 100), ...v.m('dbp').filter((x) => x.value >= 110)]),
        mEv(v.m('glucose').filter((x) => x.value < 70 || x.value >= 300)),
        mEv(v.m('temp_c').filter((x) => x.value >= 39.4)),
        all(first(v.get('low')), first(v.get('diabetes', 'sweating', 'dizzy', 'numb'))),
      ),
  },
  {
    id: 'allergic_reaction',
    urgency: 'urgent',
    category: 'urgent_allergy',
    source: 'WAO: allergic reaction without airway, breathing or circulation involvement',
    test: ({ v }) =>
      anyOf(
        all(first(v.get('hives')), first(v.get('allergen', 'allergy', 'medication', 'med_name', 'persistent', 'severe'))),
        all(near(v.get('lips', 'face', 'eyes', 'limb', 'tongue'), v.get('swelling'), 6), first(v.get('allergen', 'allergy'))),
        near(v.get('hives'), [...v.get('radiating', 'ascending'), ...v.get('infection_sign').filter((x) => /spread|extiend/.test(x.pattern))], 6),
        near(v.get('lips', 'face', 'eyes', 'tongue'), v.get('swelling'), 6),
        near(v.get('hives'), v.get('severe', 'persistent'), 6),
        first(v.get('allergy').filter((a) => /reaction|reaccion/.test(a.pattern))),
      ),
  },
  {
    id: 'urinary_problem',
    urgency: 'urgent',
    category: 'urgent_urinary',
    source: 'NICE NG109 pyelonephritis (UTI with fever or flank pain); urinary retention; testicular torsion',
    test: ({ v }) =>
      anyOf(
        first(v.get('retention')),
        near(v.get('bleeding'), v.get('urine'), 6),
        all(near(v.get('burning', 'pain'), v.get('urine'), 6), first(v.get('fever', 'radiation_site', 'severe', 'persistent'))),
        all(first(v.get('uti')), first(v.get('fever', 'radiation_site', 'vomit', 'severe', 'persistent'))),
        near(v.get('testicle'), v.get('pain', 'swelling'), 6),
        all(first(v.impaired('pee')), first(v.get('pain', 'bladder'))),
      ),
  },
  {
    id: 'eye_problem',
    urgency: 'urgent',
    category: 'urgent_eye',
    source: 'Royal College of Ophthalmologists urgent referral: chemical injury, trauma, painful red eye, flashes and floaters, sudden visual change',
    test: ({ v }) =>
      anyOf(
        all(first(v.get('eyes', 'eye_injury')), first(v.get('product', 'injury', 'pain', 'vision_change', 'vision_loss', 'swelling'))),
        first(v.get('eye_injury')),
        first(v.get('vision_change', 'vision_loss')),
      ),
  },
  {
    id: 'clot_or_circulation',
    urgency: 'urgent',
    category: 'urgent_other',
    source: 'NICE NG158 deep vein thrombosis',
    test: ({ v }) =>
      anyOf(
        all(near(v.get('leg'), v.get('swelling'), 6), first(v.get('pain', 'infection_sign', 'one_side'))),
        first(v.get('blood_clot')),
      ),
  },
  {
    id: 'concerning_symptom',
    urgency: 'urgent',
    category: 'urgent_other',
    source: 'Manchester Triage System urgent discriminators (moderate pain, new neurological signs, near-syncope, palpitations)',
    test: ({ v }) =>
      anyOf(
        first(v.get('near_syncope', 'numb', 'weak', 'drowsy', 'vision_change', 'incontinence', 'balance', 'stiff_neck', 'photophobia', 'not_improving')),
        // "racing", "pounding" are palpitations only about the heart
        first(v.get('palpitations').filter((p) => /palpita|taquicard|beating|late|acelerad|se sale|se me sale/.test(p.pattern))),
        near(v.get('heart', 'chest', 'v_hr'), v.get('palpitations'), 6),
        near(v.get('chest', 'heart'), v.get('burning'), 6),
        near(v.get('headache'), v.get('persistent', 'severe'), 8),
        first(v.get('harm_method').filter(() => v.has('despair', 'mental_crisis'))),
      ),
  },
];

// "ya no aguanto", "I can't go on", "no hay salida" said on its own, about nothing named (no
// pain, symptom, bill or person): the 988 Suicide & Crisis Lifeline and AFSP list feeling
// trapped, hopeless or in unbearable pain as warning signs that call for asking about suicide
// now, so the message is answered with 988 and a person calls back at once
const LONE_DESPAIR = /aguanto|puedo mas|puedo seguir|take it anymore|go on|do this anymore|keep going|keep living like this|way out|salida/;
function loneDespair(v: View): Ev[] | null {
  const d = v.get('despair').find((f) => LONE_DESPAIR.test(f.pattern) && f.atClauseEnd && !f.aimedAtService);
  if (!d) return null;
  for (const id of v.ids()) {
    if (LONE_OK.has(id)) continue;
    // a concept inside the despair phrase itself ("no aguanto" is also pain)
    if (v.get(id).every((f) => f.from >= d.from && f.to <= d.to)) continue;
    return null;
  }
  return [d];
}
const LONE_OK = new Set(['despair', 'mental_crisis', 'severe', 'persistent', 'recent', 'farewell', 'wish_dead', 'harm_plan']);

// ISMP high-alert and narrow-therapeutic-index drugs by name (a gap is a same-day problem)
const CRITICAL_NAME = /insulin|lantus|humalog|novolog|levemir|tresiba|keppra|levetirac|lamotrig|lamictal|depak|valpro|dilantin|phenyt|carbamaz|tegretol|oxcarbaz|lacosam|vimpat|tacrolim|prograf|cellcept|mycophen|cyclospor|sirolim|warfar|coumadin|eliquis|apixab|xarelto|rivarox|pradaxa|dabigat|prednis|hydrocort|clopidogrel|plavix|brilinta|ticagrel/;

const PREPARATION = /bought|buy|compre|picked|chose|decided|set|escogi|decidi|elegi|fecha|planeado|despedi|goodbye|letter|carta|nota|away|regal/;
function preparation(v: View): Ev[] | null {
  const cues = v.get('harm_plan', 'despair');
  const prep = cues.find((p) => p.id === 'harm_plan' && PREPARATION.test(p.pattern));
  const other = prep && cues.find((p) => p !== prep && (p.to < prep.from || p.from > prep.to));
  return prep && other ? [prep, other] : null;
}

export function childOf(words: string[], language: 'en' | 'es' = 'en'): boolean {
  // Spanish "son" is "they are"
  return words.some((w) => CHILD_WORDS.test(w) && !(w === 'son' && language === 'es'));
}

export const redFlagIds = FRAMES.map((f) => f.id);
