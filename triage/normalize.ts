/**
 * Text normalisation shared by the classifier, the red-flag rules and the reminder rules.
 * Output is lowercase ASCII-ish words separated by single spaces, with sentence and clause
 * punctuation kept as separate tokens (". , ; ! ?") because negation scope stops at them.
 */

// SMS spellings and common shorthand, applied per word after accents are folded.
// Single letters that are reminder answers (c, x, r, s) are left alone here: the reminder
// rules look at the raw text first, and inside a sentence "r" is usually "are".
const SHORTHAND: Record<string, string> = {
  u: 'you', ur: 'your', youre: 'you are', yr: 'your', r: 'are', n: 'and', im: 'i am', ive: 'i have',
  pls: 'please', plz: 'please', plez: 'please', pleas: 'please', plse: 'please', pleae: 'please',
  appt: 'appointment', appts: 'appointments', apt: 'appointment', apts: 'appointments',
  appoitment: 'appointment', appointmnet: 'appointment', appoinment: 'appointment', apointment: 'appointment',
  appointement: 'appointment', appontment: 'appointment', apptmt: 'appointment',
  rx: 'prescription', rxs: 'prescriptions', perscription: 'prescription', prescripton: 'prescription',
  prescrition: 'prescription', presciption: 'prescription', prescriptoin: 'prescription', script: 'prescription',
  refil: 'refill', refils: 'refills', refilled: 'refilled', reffil: 'refill', reffill: 'refill',
  meds: 'medication', med: 'medication', medz: 'medication', medicine: 'medication', medicines: 'medication',
  medicaton: 'medication', medicatons: 'medication', medications: 'medication', medicaiton: 'medication',
  dr: 'doctor', drs: 'doctors', doc: 'doctor', dok: 'doctor',
  tmrw: 'tomorrow', tmr: 'tomorrow', tmw: 'tomorrow', tomoro: 'tomorrow', tomorow: 'tomorrow', '2morrow': 'tomorrow',
  tommorow: 'tomorrow', tommorrow: 'tomorrow', '2moro': 'tomorrow', '2day': 'today', tdy: 'today', tonite: 'tonight', '2nite': 'tonight',
  b4: 'before', bc: 'because', cuz: 'because', cause: 'because', coz: 'because', becuase: 'because', becasue: 'because',
  thx: 'thanks', thnx: 'thanks', thanx: 'thanks', ty: 'thanks', tks: 'thanks',
  msg: 'message', msgs: 'messages', txt: 'text', txts: 'texts', texting: 'texting',
  abt: 'about', bout: 'about', w: 'with', wo: 'without', 'w/o': 'without', wk: 'week', wks: 'weeks',
  hrs: 'hours', hr: 'hour', mins: 'minutes', min: 'minute', yrs: 'years', mo: 'month',
  ppl: 'people', pt: 'patient', bday: 'birthday', dob: 'date of birth', pharm: 'pharmacy', pharmacey: 'pharmacy',
  pharmcy: 'pharmacy', phamacy: 'pharmacy', farmcy: 'pharmacy', ins: 'insurance', insurence: 'insurance',
  insurace: 'insurance', insruance: 'insurance', insuranse: 'insurance', bp: 'blood pressure', sob: 'short of breath',
  hbp: 'high blood pressure', bs: 'blood sugar', bg: 'blood sugar', sugars: 'sugar', dm: 'diabetes',
  resched: 'reschedule', reschedual: 'reschedule', rescedule: 'reschedule', reschudule: 'reschedule',
  reshedule: 'reschedule', rescheduel: 'reschedule', cancell: 'cancel', cancle: 'cancel', cancelled: 'canceled',
  cancelation: 'cancellation', canel: 'cancel', cancl: 'cancel', conf: 'confirm', confrim: 'confirm', comfirm: 'confirm',
  confirmed: 'confirmed', resuts: 'results', reults: 'results', resluts: 'results', reslts: 'results', rsults: 'results',
  bil: 'bill', biling: 'billing', ammount: 'amount', recieve: 'receive', recieved: 'received',
  cant: 'cannot', cnt: 'cannot', "can't": 'cannot', dont: 'do not', doesnt: 'does not', didnt: 'did not',
  isnt: 'is not', arent: 'are not', wasnt: 'was not', werent: 'were not', wont: 'will not', havent: 'have not',
  hasnt: 'has not', hadnt: 'had not', couldnt: 'could not', shouldnt: 'should not', wouldnt: 'would not',
  aint: 'is not', idk: 'i do not know', thats: 'that is', whats: 'what is',
  hes: 'he is', shes: 'she is', theres: 'there is', lets: 'let us', gonna: 'going to', wanna: 'want to', gotta: 'got to',
  kinda: 'kind of', sorta: 'sort of', outta: 'out of', lemme: 'let me', gimme: 'give me', ok: 'okay', k: 'okay', kk: 'okay',
  ya: 'yes', yea: 'yes', yeah: 'yes', yep: 'yes', yup: 'yes', ye: 'yes', nope: 'no', nah: 'no',
  breathe: 'breathe', brethe: 'breathe', breath: 'breath', brething: 'breathing', breating: 'breathing',
  breathin: 'breathing', breathng: 'breathing', chst: 'chest', chect: 'chest', pian: 'pain', pane: 'pain',
  hedache: 'headache', headace: 'headache', hedake: 'headache', siezure: 'seizure', seizer: 'seizure',
  seisure: 'seizure', siezures: 'seizures', seizers: 'seizures', unconcious: 'unconscious', unconsious: 'unconscious',
  bleading: 'bleeding', bleding: 'bleeding', sucidal: 'suicidal', suicidle: 'suicidal', suiside: 'suicide',
  pils: 'pills', pillz: 'pills', vomitting: 'vomiting', throwin: 'throwing', preg: 'pregnant', pregnent: 'pregnant',
  prego: 'pregnant', pragnant: 'pregnant', allergic: 'allergic', alergic: 'allergic', alergy: 'allergy', allergie: 'allergy',
  swolen: 'swollen', swelled: 'swollen', dizy: 'dizzy', dizzie: 'dizzy', fainted: 'fainted', feinted: 'fainted',
  numbnes: 'numbness', numbe: 'numb', hurst: 'hurts', hurtz: 'hurts', labz: 'labs', xray: 'x-ray', xrays: 'x-rays',
  // Spanish shorthand (accents already folded)
  q: 'que', ke: 'que', xq: 'porque', pq: 'porque', porq: 'porque', xk: 'porque', tb: 'tambien', tmb: 'tambien',
  tmbn: 'tambien', xfa: 'por favor', xfavor: 'por favor', porfa: 'por favor', porfavor: 'por favor', porfis: 'por favor',
  pf: 'por favor', dra: 'doctora', d: 'de', pa: 'para', kiero: 'quiero', aki: 'aqui', aca: 'aqui', toy: 'estoy',
  tqm: 'te quiero', bn: 'bien', mñn: 'manana', mnn: 'manana', hoi: 'hoy', ora: 'hora', cta: 'cita', sita: 'cita',
  medicinas: 'medicina', medicamentos: 'medicamento', pastiyas: 'pastillas', pastias: 'pastillas', reseta: 'receta',
  rezeta: 'receta', resetas: 'recetas', farmasia: 'farmacia', aseguranza: 'seguro', aseguransa: 'seguro', nesesito: 'necesito',
  nesecito: 'necesito', necesto: 'necesito', ocupo: 'necesito', kisiera: 'quisiera', cancelar: 'cancelar', kancelar: 'cancelar',
  resultados: 'resultados', resultado: 'resultado', respirar: 'respirar', respiral: 'respirar', rrespirar: 'respirar',
  pexo: 'pecho', pesho: 'pecho', dolo: 'dolor', doler: 'doler', embarasada: 'embarazada', enbarazada: 'embarazada',
  desmallo: 'desmayo', desmalle: 'desmaye', convulcion: 'convulsion', convulciones: 'convulsiones',
  sangrando: 'sangrando', sangre: 'sangre', bebe: 'bebe', nino: 'nino', nina: 'nina',
};

const ACCENTS = /[\u0300-\u036f]/g;

export function foldAccents(text: string): string {
  return text.normalize('NFD').replace(ACCENTS, '');
}

/**
 * Lowercases, folds accents, strips apostrophes inside words ("don't" -> "dont" -> "do not"),
 * expands SMS shorthand and keeps clause punctuation as separate tokens.
 */
export function normalizeText(text: string): string {
  let s = foldAccents(text.toLowerCase());
  s = s.replace(/[\u2018\u2019\u02bc`´]/g, "'").replace(/[\u201c\u201d]/g, '"');
  s = s.replace(/(\w)'(\w)/g, '$1$2');
  s = s.replace(/[¿¡]/g, ' ');
  // keep numbers like 6.5, 120/80, 3:30 together; split other punctuation off
  s = s.replace(/(\d)([.,:])(?=\d)/g, (_m, d: string, p: string) => d + (p === '.' ? '\u0001' : p === ',' ? '\u0002' : '\u0003'));
  s = s.replace(/([.,;!?()"\[\]{}:]+)/g, ' $1 ');
  s = s.replace(/\u0001/g, '.').replace(/\u0002/g, ',').replace(/\u0003/g, ':');
  s = s.replace(/[^a-z0-9.,;:!?%#@+\-/'\s]/g, ' ');
  const out: string[] = [];
  for (const raw of s.split(/\s+/)) {
    if (!raw) continue;
    const word = raw.replace(/^'+|'+$/g, '');
    if (!word) continue;
    if (/^[.,;:!?()]+$/.test(word)) {
      out.push(word[0] === '(' || word[0] === ')' || word[0] === ':' ? ',' : word[0]!);
      continue;
    }
    // stretched letters: "pleeease", "helppp", "nooo" -> two letters at most
    const squeezed = word.replace(/([a-z])\1{2,}/g, '$1$1');
    const expanded = SHORTHAND[squeezed];
    out.push(expanded ?? squeezed);
  }
  return out.join(' ');
}

/** Words only (punctuation dropped), from normalised text. */
export function words(normalized: string): string[] {
  return normalized.split(' ').filter((w) => w && !/^[.,;!?]$/.test(w));
}
