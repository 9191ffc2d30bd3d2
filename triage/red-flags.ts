/**
 * Red-flag rules: patterns over normalised text (lowercase, accents folded, shorthand
 * expanded, key typos corrected). A match counts only when it is not negated ("no chest
 * pain", "sin dolor de pecho", "denies chest pain, fever or ...") and not history
 * ("heart attack in 2019", "hace dos años").
 */
import type { Urgency } from './types.js';

export interface RedFlagHit {
  id: string;
  urgency: Exclude<Urgency, 'routine'>;
}

/** gap of up to n words inside one clause */
const G = (n: number) => `(?:\\s+[a-z0-9/%'+#.,-]+){0,${n}}\\s+`;

const NEG = new Set([
  'no', 'not', 'never', 'denies', 'deny', 'denied', 'without', 'none', 'nor', 'negative', 'sin', 'ni', 'nunca',
  'tampoco', 'nada', 'zero', 'free',
]);
const BOUNDARY = /(?:^|\s)(?:[.;!?]|but|pero|though|although|however|aunque|sino|except|now|ahora|y ahora|and now|still|todavia|aun|then|luego|despues)(?=\s|$)/g;
const HISTORY = /\b(history of|hx of|years ago|year ago|last year|in (19|20)\d\d|as a (kid|child|baby|teen)|when i was (a )?(kid|child|young|little|younger)|family history|runs in (my|the) family|used to|antecedentes|hace (\d+|un|unos|varios|dos|tres|muchos) anos|el ano pasado|de nino|de nina|cuando era)\b/;

interface Rule {
  id: string;
  urgency: Exclude<Urgency, 'routine'>;
  patterns: RegExp[];
  /** another non-negated pattern that must occur somewhere in the message */
  requires?: RegExp;
  /** the match is ignored when this occurs in the same clause */
  unless?: RegExp;
  /** custom check on the match */
  check?: (m: RegExpExecArray, text: string) => boolean;
}

const CHILD =
  /\b((child|children|kid|son|daughter|toddler|baby|babies|infant|newborn|grandson|granddaughter|boy|girl|nephew|niece|little one)s?|(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) ?-?(year|yr|month|mo|week|wk|day)s? ?-?old|\d+ ?-? ?(yo|y\/o)|\d+ ?-?(lb|lbs|pound)|nino|nina|ninos|hijo|hija|bebe|nieto|nieta|chiquito|chiquita|nene|nena|\d+ anos|\d+ meses)\b/;
const MEDICINE =
  /\b(pills?|tablets?|tabs|caplets?|capsules?|medication|vitamins?|gummies|gummy|iron|tylenol|acetaminophen|ibuprofen|advil|motrin|aleve|naproxen|benadryl|diphenhydramine|aspirin|dayquil|nyquil|cough syrup|syrup|lidocaine|teething gel|numbing|clonidine|melatonin|oxycodone|opioid|insulin|adderall|xanax|sleeping pills|bottle|blood pressure pills|heart pills|button battery|batteries|battery|magnets?|pod|pods|detergent|bleach|cleaner|pastillas?|pildoras?|medicamentos?|medicina|vitaminas|jarabe|cloro|detergente|pila|veneno)\b/;
const INGEST =
  /\b(swallowed|swallow|ate|eaten|eating|got into|chewed|licked|drank|drunk|drinking|took|taken|ingested|found (him|her|them) with|gave (him|her|them|my \w+)|given|gave|give|giving|trago|se trago|se comio|comio|se tomo|tomo|bebio|se bebio|le di|le dimos|mastico|lamio)\b/;

const RULES: Rule[] = [
  // ---------- emergencies ----------
  {
    id: 'chest_pain',
    urgency: 'emergency',
    patterns: [
      new RegExp(`\\bchest(?! (x-ray|x-rays|xray|x|ct|scan|congestion|cold|rub|film|imaging|tube|hair|wall))${G(3)}(pain|pains|pressure|tightness|tight|hurts?|hurting|heavy|heaviness|squeez\\w*|crush\\w*|discomfort|aches?|aching|pounding|is killing)\\b`),
      new RegExp(`\\b(pain|pains|pressure|tightness|heaviness|squeezing|crushing|discomfort|ache|elephant|weight|strap|vice)${G(4)}(my |his |her |the )?chest\\b(?! (x-ray|xray|x|ct|scan|congestion|cold))`),
      new RegExp(`\\b(having|have|had|think|thinks|feel like|feels like|is this|its|it is|might be|could be|maybe|possible|like)${G(3)}(a )?heart attack\\b`),
      /\b(heart|pulse|heart rate|watch|smartwatch|hr)(?:\s+\S+){0,5}\s+(1[5-9]\d|2\d\d)s?\b(?! (lbs|pounds|mg|calories))/,
      /\b(defibrillator|defib|icd|aicd)\b.*\b(shock\w*|zapp?\w*|fired)\b/,
      new RegExp(`\\b(dolor|dolores|presion|opresion|apreton|peso)${G(3)}(el |mi )?pecho\\b`),
      new RegExp(`\\bpecho${G(3)}(duele|dolor|apretado|apretando|presion|pesado|oprimido)\\b`),
      new RegExp(`\\bme (duele|aprieta|arde)${G(2)}pecho\\b`),
      /\b(infarto|ataque al corazon|ataque cardiaco)\b/,
    ],
  },
  {
    id: 'stroke_signs',
    urgency: 'emergency',
    patterns: [
      new RegExp(`\\b(face|smile|mouth|lip|eyelid)${G(3)}(droop\\w*|crooked|uneven|lopsided|sagging|fell|falling)\\b`),
      new RegExp(`\\bdroop\\w*${G(3)}(face|side|mouth|eye|smile)\\b`),
      /\bslurr(ed|ing)\b/,
      new RegExp(`\\b(signs? of|symptoms of|having|think|thinks|is this|is it|could be|might be|maybe|like|had)${G(3)}(a )?stroke\\b`),
      new RegExp(`\\b(weak|weakness|numb|numbness|tingling|paralyzed)${G(4)}(one side|left side|right side|half of)\\b`),
      new RegExp(`\\b(one|left|right) side of (my|his|her|the) (body|face)${G(3)}(numb|weak|droop\\w*|not working|dead)\\b`),
      new RegExp(`\\b(cannot|can not|unable to|trouble|hard to|difficulty|could not)${G(2)}(speak|talk|get (the |my |his |her )?words out|find (the |my |his |her )?words|understand)\\b`),
      /\bwords (are|were|came|come|keep) (coming out )?(jumbled|wrong|garbled|mixed)/,
      new RegExp(`\\b(sudden|suddenly|lost)${G(3)}(vision|blind|cannot see|double vision)\\b`),
      new RegExp(`\\bweakness${G(3)}(climbing|spreading|moving up|rising|going up|higher)\\b`),
      new RegExp(`\\b(losing strength|legs${G(2)}giving out)\\b`),
      new RegExp(`\\b(cannot|can not|unable to|could not)${G(2)}(move|lift|raise|feel)${G(3)}(arm|leg|hand|side)\\b`),
      new RegExp(`\\b(cara|boca|sonrisa)${G(3)}(caida|torcida|chueca|colgada|ladeada)\\b`),
      /\bse (le|me) (cayo|cae|torcio|tuerce) (la cara|la boca|un lado)\b/,
      new RegExp(`\\b(habla|hablando|palabras)${G(2)}(arrastrad\\w*|enredad\\w*|trabad\\w*|rar[oa]s?)\\b`),
      /\barrastra(ndo)? (las )?palabras\b/,
      new RegExp(`\\bno (puede|puedo|podia|pudo)${G(1)}(hablar|mover|levantar|sentir)${G(3)}(brazo|pierna|lado|mano|cara|bien)?`),
      /\b(derrame|embolia|ataque cerebral|infarto cerebral)\b/,
      new RegExp(`\\b(entumid\\w*|adormecid\\w*|dormid[oa]|paralizad\\w*|debil)${G(4)}(un lado|lado (izquierdo|derecho)|mitad)\\b`),
    ],
    check: (m, text) =>
      // arm/leg weakness alone (a shoulder injury) is not a stroke sign without a second sign
      !/\b(move|lift|raise|feel|mover|levantar|sentir)\b/.test(m[0]) ||
      /\b(sudden\w*|face|speech|slurr\w*|talk\w*|stroke|droop\w*|one side|numb\w*|weak\w*|vision|confus\w*|de repente|cara|hablar|derrame|entumid\w*)\b/.test(text.replace(m[0], '')),
  },
  {
    id: 'trouble_breathing',
    urgency: 'emergency',
    patterns: [
      new RegExp(`\\b(cannot|can not|could not|struggling to|struggle to|hard to|hard time|trouble|difficulty|difficult to|unable to|barely|fighting to)${G(2)}(breath|breathe|breathing|catch (my|his|her|their) breath|get (enough )?air)\\b(?! (through|thru) (my|his|her|the) nose)`),
      /\bshort(ness)? of breath\b(?!.{0,30}\b(on (the )?stairs|on exertion|with (exercise|exertion|activity)|climbing|when (i )?(climb|walk|exercise|run)|after (running|exercise|walking|a run))\b)/,
      /\b(gasping|gasps|choking|suffocating|stopped breathing|not breathing|is not breathing)\b/,
      new RegExp(`\\b(lips|face|skin|mouth)${G(3)}(turn\\w* )?(blue|gray|grey|purple|dusky|bluish)\\b`),
      /\bturn(ing|ed)? (blue|purple|gray|grey)\b/,
      new RegExp(`\\binhaler${G(3)}(not (working|helping)|does not (help|work)|did not (help|work)|is not (helping|working)|no help)`),
      /\b(ribs|chest|neck) (is |are )?(pulling|sucking|caving) in\b|\bretractions\b/,
      new RegExp(`\\b(no puedo|no puede|no podia|no podemos|dificultad para|me cuesta|le cuesta|batallando para|trabajo para)${G(1)}respirar\\b`),
      new RegExp(`\\b(me|le|nos) falta${G(2)}aire\\b|\\bfalta de aire\\b`),
      /\b(me ahogo|se ahoga|ahogando(me|se)?|no respira|dejo de respirar)\b/,
      new RegExp(`\\b(labios|boca|cara)${G(2)}(morad[oa]s?|azul(es)?|gris(es)?)\\b`),
      /\bse (esta )?(puso|poniendo|pone) (morad[oa]|azul)\b/,
    ],
  },
  {
    id: 'anaphylaxis',
    urgency: 'emergency',
    patterns: [
      new RegExp(`\\bthroat${G(3)}(closing|swelling|swollen|tight\\w*|closing up|feels thick|lump)\\b`),
      new RegExp(`\\b(tongue|lips?|face|mouth|eyes)${G(3)}(swell\\w*|swollen|puff\\w*|thick|tingl\\w*)\\b`),
      /\banaphyla\w*\b/,
      new RegExp(`\\b(used|use|gave|give|need|needed|grab)${G(2)}(epi ?pen|epinephrine|epi)\\b`),
      new RegExp(`\\b(hives|rash|itch\\w*)${G(8)}(breath\\w*|throat|wheez\\w*|swallow\\w*)\\b`),
      new RegExp(`\\bgarganta${G(3)}(cerrando|cierra|cerrada|hinchad\\w*|apretad\\w*|inflamad\\w*)\\b`),
      /\bse me (esta )?cerrando la garganta\b|\bse me cierra la garganta\b/,
      new RegExp(`\\b(lengua|labios?|cara|boca|ojos)${G(3)}(hinchad\\w*|inflamad\\w*|se (me |le )?(hincha|hinchan|inflama))\\b`),
      /\banafila\w*\b/,
    ],
    check: (m, text) =>
      !/\b(tongue|lips?|face|mouth|eyes|lengua|labios?|cara|boca|ojos)\b/.test(m[0]) ||
      /\b(allerg\w*|alerg\w*|hives|ronchas|sting|stung|bee|wasp|ate|eating|peanuts?|nuts?|shrimp|shellfish|antibiotic|penicillin|new (medication|pill)|reaction|reaccion|itch\w*|breath\w*|wheez\w*|throat|swallow\w*|epi\w*|picadura|pico|abeja|comi|comio|mani|camaron|mariscos|respir\w*|garganta)\b/.test(text),
  },
  {
    id: 'suicidal_intent',
    urgency: 'emergency',
    patterns: [
      /\b(kill|killing|end|ending) (myself|my self|my life|it all|things|everything)\b/,
      /\b(jump|jumping) (off|from) (a|the) (bridge|building|roof)\b|\bdo something (dumb|stupid|drastic)\b|\b(left|wrote) (a|the|that) note\b/,
      /\b(easier|better|quieter|peaceful)(?:\s+\S+){0,4}\s+(was not|were not|not be|not being|wasnt) (here|around|alive)\b|\b(do not|cannot) see (a|any) reason to (keep going|go on|live)\b/,
      /\bsuicid\w*/,
      new RegExp(`\\b(want|wanna|going|gonna|plan|planning|thinking|thoughts|urge|urges|feel like|tempted)${G(2)}(hurt|harm|cut|hang|shoot|drown|poison)\\w*${G(0)}(myself|my self)\\b`),
      /\bself ?-?harm\w*|\bcutting myself\b/,
      /\b(take|taking|end) my (own )?life\b/,
      /\b(want|wanna|wish|would rather|rather|ready) (to )?(die|be dead|not (be here|be alive|exist|wake up))\b/,
      /\bbetter off (dead|without me|gone)\b/,
      /\b(no|not any|no more) reason to (live|keep going|go on|be here)\b/,
      /\b(do not|dont|not) want to (live|be alive|wake up|be here|exist) (anymore|any more)?/,
      new RegExp(`\\b(take|took|swallow|swallowed|taking)${G(2)}all (of )?(my|the|these|those) (pills|medication|tablets|sleeping pills)\\b`),
      /\bwrote (a|my|the) (suicide |goodbye )?note\b|\bgoodbye (letter|letters|note)\b/,
      new RegExp(`\\b(want|wanna|going|gonna|plan|planning|thinking about|thoughts of|urge to|feel like)${G(2)}(kill|hurt|shoot|stab|murder)${G(0)}(him|her|them|someone|somebody|people|everyone|my (husband|wife|boss|mom|dad|mother|father|son|daughter|neighbor|kids|baby))\\b`),
      /\b(matarme|suicid\w*|quitarme la vida|acabar con mi vida|acabar con todo|me quiero morir|quiero morir\w*|quisiera morir\w*|no quiero (vivir|seguir viviendo|despertar|seguir aqui)|no vale la pena vivir|mejor muert[oa]|mejor estar muert[oa])\b/,
      new RegExp(`\\b(quiero|pienso|pensando en|ganas de|voy a)${G(1)}(hacerme dano|cortarme|lastimarme|matarme|colgarme|tomarme todas)\\b`),
      new RegExp(`\\b(quiero|voy a|ganas de|pienso)${G(1)}(matar|lastimar)(lo|la|los|las)?${G(0)}?(a (alguien|mi \\w+|el|ella|todos))?`),
    ],
    unless: /\b(suicide (prevention|hotline|awareness|training)|not suicidal|no suicidal)\b/,
  },
  {
    id: 'overdose_poisoning',
    urgency: 'emergency',
    patterns: [
      /\boverdos\w*\b/,
      new RegExp(`\\btook${G(2)}too many${G(2)}(pills|tablets|medication|of|capsules)\\b`),
      new RegExp(`\\b(took|swallowed|ate|drank|chugged|downed|popped)${G(3)}(whole|entire|all|half (a|the)|a handful|handful|bunch of|bottle of|full bottle)${G(3)}(pills|tablets|bottle|medication|tylenol|advil|sleeping|pill|cough syrup|syrup)\\b`),
      new RegExp(`\\b(drank|swallowed|ate|ingested|got into|drinking|eating)${G(3)}(bleach|antifreeze|detergent|laundry pods?|tide pods?|cleaner|rat poison|windshield|lighter fluid|gasoline|pesticide|lamp oil|weed killer|poison)\\b`),
      /\bpoison control\b|\bpoison(ed|ing)\b/,
      /\bsobredosis\b|\benvenen\w*\b|\bcontrol de (envenenamiento|intoxicacion)\b|\bintoxicad[oa]\b/,
      new RegExp(`\\b(se tomo|me tome|se trago|me trague|se comio|tomo|trago|bebio|se bebio)${G(3)}(todas? (las|el|la|sus|mis)|un frasco|el frasco|medio frasco|muchas|un punado|cloro|veneno|detergente)\\b`),
    ],
    unless: /\b(not (an )?overdos\w*|no overdose|food poisoning|intoxicacion alimentaria)\b/,
  },
  {
    id: 'child_ingestion',
    urgency: 'emergency',
    patterns: [INGEST],
    check: (m, text) => {
      if (!CHILD.test(text) || !MEDICINE.test(text)) return false;
      // a parent's dosing error or a child getting into medicine; a prescribed dose given as told is not
      return /\b(swallowed|swallow|got into|chewed|licked|ate|eaten|drank|ingested|found (him|her|them)|by mistake|accident\w*|too much|too many|extra|double|two doses|another dose|adult|whole|several|bunch|handful|most of|missing|se trago|se comio|comio|lamio|mastico|por error|por accidente|de mas|doble|dos dosis|demasiad\w*)\b/.test(text);
    },
  },
  {
    id: 'severe_bleeding',
    urgency: 'emergency',
    patterns: [
      new RegExp(`\\bbleeding${G(3)}(will not|would not|does not|cannot|can not|not|keeps going|has not)${G(0)}(stop|stopping|stopped)\\b`),
      new RegExp(`\\b(cannot|can not|could not|unable to)${G(0)}(stop|get)${G(2)}(the )?bleeding\\b`),
      /\b(heavy|heavily|severe|severely|lots of|a lot of|profuse\w*|uncontrolled|gushing|spurting|pouring|massive) ?(bleeding|blood)\b/,
      /\bbleeding (heavily|a lot|badly|everywhere|like crazy|through)\b|\bblood everywhere\b/,
      new RegExp(`\\bsoak\\w*${G(3)}(pad|pads|towel|towels|through)\\b`),
      new RegExp(`\\b(vomit\\w*|throwing up|threw up|coughing|coughed|puking|puked|spitting)${G(2)}blood\\b`),
      new RegExp(`\\bsangrado${G(2)}(abundante|fuerte|mucho|que no para|no para|no se detiene|muy fuerte)\\b`),
      /\bno (para|deja|paro) de sangrar\b|\bmucha sangre\b|\bsangrando mucho\b|\bsangra mucho\b/,
      new RegExp(`\\b(vomit\\w*|tosiendo|escupiendo|tose)${G(2)}sangre\\b`),
      new RegExp(`\\bempap\\w*${G(3)}(toallas?|sabanas)\\b`),
    ],
    unless: /\b(period|periods|menstrua\w*|regla)\b(?!.*\b(every hour|each hour|soak\w*|clots|dizzy|faint))/,
  },
  {
    id: 'fainting_or_confusion',
    urgency: 'emergency',
    patterns: [
      /\b(passed out|pass out|passing out|fainted|fainting|blacked out|lost consciousness|collapsed|unconscious|unresponsive|not responding|not responsive)\b/,
      /\b(will not|wont|cannot|can not|could not|hard to|difficult to|not) (wake|waking|woke)\b/,
      /\b(suddenly|sudden|new|very|really|more|acting|became|becoming|getting|got|seems|seemed|is|was|so|totally) (confused|disoriented)\b(?! (about|by|with|on|as|why|if|what|how|because|regarding))/,
      /\b(does not|did not|doesnt) (know|recognize) (where (he|she|they) (is|are)|me|us|who)\b|\bnot making (any )?sense\b/,
      /\b(se desmayo|me desmaye|desmayo|desmayad[oa]|se desvanecio|perdio el conocimiento|perdio la conciencia|inconsciente|no responde|no reacciona|no despierta|no se despierta|no (lo|la) (puedo|podemos) despertar)\b/,
      /\b(confundid[oa]|desorientad[oa])\b|\bno sabe donde esta\b|\bno reconoce\b/,
    ],
    unless: /\b(bill|billing|charge|statement|insurance|form|forms|portal|instructions|website|app|letter|message|paperwork|factura|cobro|seguro|formulario|instrucciones|pagina|cuenta)\b/,
  },
  {
    id: 'seizure',
    urgency: 'emergency',
    patterns: [
      new RegExp(`\\b(having|had|has had|just had|another|first|started having|is having|having a|had a|started)${G(1)}(seizure|seizures|convulsion|convulsions|fit)\\b`),
      /\b(seizing|convulsing)\b/,
      /\bseizure (right now|just now|today|this morning|tonight|now)\b/,
      new RegExp(`\\b(stiff|stiffened|went stiff)${G(4)}(jerk\\w*|shak\\w*)\\b`),
      new RegExp(`\\b(tuvo|tiene|esta teniendo|le dio|le dan|me dio|me dan|otra|primera)${G(2)}(convulsion\\w*|ataque epileptico|ataques epilepticos)\\b`),
      /\bconvulsionando\b|\bconvulsiono\b|\b(una|con|la|las) convulsion(es)?\b/,
    ],
  },
  {
    id: 'pregnancy_danger',
    urgency: 'emergency',
    patterns: [
      /\b(bleed\w*|blood(?! (pressure|test|tests|work|sugar|type|draw))|clots?|sangr\w*|coagulos)\b/,
      new RegExp(`\\b(baby|bebe)${G(3)}(not|has not|is not|stopped|no|hasnt)${G(1)}(mov\\w*|kick\\w*|se mueve|se ha movido|patea)\\b`),
      new RegExp(`\\b(no|not|less|decreased|fewer|barely)${G(2)}(fetal )?(movement|movements|kicks|moving|kicking)\\b`),
      /\bno (siento|he sentido|sentimos|se mueve)\b.*\bbebe\b|\bbebe no se (mueve|ha movido)\b/,
      new RegExp(`\\b(severe|bad|terrible|worst|pounding|brutal|strong|fuerte|muy fuerte|intenso)${G(2)}(headache|pain|cramp\\w*|belly pain|abdominal pain|dolor de cabeza|dolor)\\b`),
      /\b(blurry|blurred|seeing spots|spots|sparkles|flashing lights|vision|vision borrosa|veo (puntos|lucecitas|estrellas|borroso)|borros\w*)\b/,
      /\b(water broke|leaking fluid|se (me )?rompio la fuente|rompi fuente)\b/,
      /\b(rigid|rock hard|rock-hard|hard as a rock|solid rock|like a rock|dura como piedra|muy dura)\b|\b(nonstop|constant|non stop|will not ease|wont ease) cramp/,
      new RegExp(`\\b(not|have not|has not|did not|havent|hasnt) (felt|feel|noticed)${G(2)}(baby|him|her|the baby|little one)${G(1)}(move|moving|kick\\w*)\\b|\\b(baby|little one)${G(4)}(quiet|still|not moving)\\b`),
      /\b(fever|chills|fiebre|escalofrios)\b/,
      /\b(1[6-9]\d|2\d\d)\/(1[01]\d|[0-9]\d)\b/,
      /\b(seizure|convulsion\w*)\b/,
    ],
    check: (_m, text) =>
      /\b(pregnant|pregnancy|weeks along|months along|far along|(\d+|twenty|thirty) ?(weeks|wks|wk)( pregnant| along)?\b(?! ago)|months pregnant|postpartum|post partum|post-partum|gave birth|delivered|had (my|the|our) baby|due date|embarazada|embarazo|semanas de embarazo|meses de embarazo|dio a luz|di a luz|parto|postparto|post parto|cuarentena)\b/.test(
        text,
      ) && !/\b(pregnancy test|prueba de embarazo)\b/.test(text),
    unless: /\b(spotting|manchado|manchas|little|poquito|poco|light|leve|ligero)\b(?!.*\b(heavy|soak\w*|clots|cramps|severe|mucho|abundante|fuerte)\b)/,
  },
  {
    id: 'low_blood_sugar',
    urgency: 'emergency',
    patterns: [
      new RegExp(`\\b(sugar|glucose|meter|cgm|reading|azucar|glucosa|dexcom|libre)${G(4)}([1-4]\\d|5[0-4])\\b(?!\\s*(mg|minutes|min|years|yrs|anos|%|am|pm|a\\.m|p\\.m|:))`),
      new RegExp(`\\b(sugar|glucose|azucar|glucosa)${G(3)}(low|dropping|crashing|bajo|baja|bajando|bajisima|muy baja)\\b`),
      /\b(hypoglycemi\w*|hipoglucemia|hipoglicemia)\b/,
    ],
    requires: /\b(confus\w*|sweat\w*|shak\w*|trembl\w*|dizz\w*|pass\w* out|faint\w*|cannot think|not making sense|weird|clammy|sudor\w*|tembl\w*|confund\w*|marea\w*|desmay\w*|no (puede|puedo) pensar|sudando)\b/,
  },
  {
    id: 'high_blood_sugar',
    urgency: 'emergency',
    patterns: [
      new RegExp(`\\b(sugar|glucose|meter|cgm|reading|azucar|glucosa)${G(4)}([3-9]\\d\\d|hi|high|over 400|alta|alto|altisima)\\b`),
      /\bfruity breath|\bbreath\w*(?:\s+\S+){0,3}\s+(sweet|fruity|like nail polish|acetone)|\bketo ?acidosis\b|\bdka\b|\bketones\b|\bcetoacidosis\b|aliento (a fruta|dulce)/,
      /\b(sodium)(?:\s+\S+){0,3}\s+1[01]\d\b|\bpotassium(?:\s+\S+){0,3}\s+[67](\.\d)?\b|\bsodio(?:\s+\S+){0,3}\s+1[01]\d\b|\bpotasio(?:\s+\S+){0,3}\s+[67](\.\d)?\b/,
      /\b(adrenal|addison\w*|insuficiencia suprarrenal)\b/,
    ],
    requires: /\b(vomit\w*|throw\w* up|threw up|puk\w*|confus\w*|breath\w*|fruity|cannot keep|nause\w*|chest|weak\w*|fever|vomit\w*|confund\w*|respir\w*|aliento|no retiene|nause\w*|debil\w*|fiebre|thirst\w*|sed)\b/,
  },
  {
    id: 'sudden_severe_headache',
    urgency: 'emergency',
    patterns: [
      /\bworst (headache|head ache|head pain|migraine|one of my life|pain of my life)\b/,
      new RegExp(`\\b(sudden|suddenly|out of nowhere|thunderclap|explosive|like a switch|came on fast)${G(4)}(severe |bad |terrible |explosive |splitting )?(headache|head pain|head ache)\\b`),
      new RegExp(`\\b(headache|head pain|fever|temp|temperature)${G(6)}(stiff neck|neck (is |was )?(stiff|rigid)|cannot (bend|touch|move) (his |her |my )?(neck|chin))`),
      new RegExp(`\\b(stiff neck|neck (is |was )?(stiff|rigid))${G(6)}(fever|headache|light|vomit\\w*)\\b`),
      /\bpeor dolor de cabeza\b/,
      new RegExp(`\\bdolor de cabeza${G(3)}(repentino|de repente|de golpe|explosivo|el peor)\\b`),
      new RegExp(`\\b(de repente|de golpe|repentino)${G(4)}dolor de cabeza\\b`),
      new RegExp(`\\b(cuello (rigido|tieso|duro))${G(6)}(fiebre|calentura|dolor de cabeza|luz)\\b|\\b(fiebre|calentura|dolor de cabeza)${G(6)}cuello (rigido|tieso|duro)\\b`),
    ],
  },
  {
    id: 'infant_fever',
    urgency: 'emergency',
    patterns: [/\b(fever|temp|temperature|feels hot|burning up|10[0-5](\.\d)?|3[89](\.\d)?|fiebre|calentura|caliente)\b/],
    check: (_m, text) => {
      if (/\b(newborn|new born|recien nacid[oa])\b/.test(text)) return true;
      const days = /\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|un|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez) ?-?(day|days|week|weeks|wk|wks|month|months|mo|dia|dias|semana|semanas|mes|meses) ?-?(old|de nacid[oa]|de edad)\b|\bbebe de (\d+|un|una|dos|tres|cuatro|cinco|seis|siete|ocho) (dias|semanas|mes|meses)\b/.exec(text);
      if (!days) return false;
      const nums: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, un: 1, una: 1, dos: 2, tres: 3, cuatro: 4, cinco: 5, seis: 6, siete: 7, ocho: 8, nueve: 9, diez: 10 };
      const numRaw = days[1] ?? (/\d+|un|una|dos|tres|cuatro|cinco|seis|siete|ocho/.exec(days[0])?.[0] ?? '');
      const n = nums[numRaw] ?? Number(numRaw);
      const unit = days[0];
      if (/\b(day|days|dia|dias)\b/.test(unit)) return n < 90;
      if (/\b(week|weeks|wk|wks|semana|semanas)\b/.test(unit)) return n < 13;
      return n < 3;
    },
  },
  {
    id: 'unresponsive_child',
    urgency: 'emergency',
    patterns: [
      /\b(floppy|limp|unresponsive|lifeless|will not wake|cannot wake|can not wake|hard to wake|difficult to wake|not waking|barely (wakes|wake|waking|opens)|not responding|mottled|blotchy purple|purple spots|aguadit[oa]|flacid[oa]|no despierta|no reacciona|no responde|no se despierta|desmadejad[oa]|como trapo)\b/,
      new RegExp(`\\b(not|has not|hasnt|no)${G(1)}(peed|urinated|pee|wet (a )?diaper|wet diapers|had a wet diaper)${G(4)}(\\d+|twelve|ten|eight) hours\\b`),
      new RegExp(`\\b(turn off|bothers?|hurts?|sensitive to)${G(3)}(light|lights)\\b`),
      new RegExp(`\\b(right|lower right)${G(2)}(side|belly|abdomen|stomach|tummy)${G(6)}(fever|vomit\\w*)`),
    ],
    requires: CHILD,
  },
  // ---------- urgent: needs a clinician today ----------
  {
    id: 'high_fever',
    urgency: 'urgent',
    patterns: [
      new RegExp(`\\b(fever|temp|temperature|fiebre|temperatura|calentura)${G(4)}(10[3-7](\\.\\d)?|39(\\.[5-9])?|4[0-2](\\.\\d)?)\\b`),
      new RegExp(`\\b(10[3-7](\\.\\d)?|39\\.[5-9]|4[0-2](\\.\\d)?) ?(f|degrees|grados|c)?${G(2)}(fever|temp|fiebre|calentura)\\b`),
      new RegExp(`\\bfever${G(3)}(for )?(\\d|three|four|five|six|seven) days\\b|\\bfiebre${G(3)}(\\d|tres|cuatro|cinco) dias\\b`),
    ],
  },
  {
    id: 'cannot_keep_fluids',
    urgency: 'urgent',
    patterns: [
      new RegExp(`\\b(cannot|can not|unable to|could not|not able to)${G(1)}keep${G(4)}down\\b`),
      new RegExp(`\\b(vomit\\w*|throwing up|puking|diarrhea)${G(4)}(all (day|night)|nonstop|non stop|every (hour|\\d+ minutes)|since (yesterday|last night)|for (two|three|2|3) days)\\b`),
      /\b(dehydrated|dehydration|deshidratad\w*)\b/,
      /\bno (puedo|puede) retener\b|\bno retiene\b|\bvomit\w* todo\b|\bvomitando (toda|todo|desde)\b/,
    ],
  },
  {
    id: 'blood_in_urine_or_stool',
    urgency: 'urgent',
    patterns: [
      new RegExp(`\\bblood${G(2)}(urine|pee|stool|stools|poop|bowel)\\b`),
      new RegExp(`\\b(black|tarry)${G(1)}(stool|stools|poop)\\b`),
      /\bsangre en (la |el )?(orina|heces|popo|excremento)\b/,
      /\b(peeing|pissing|urinating) blood\b|\bbloody (urine|stool|diarrhea)\b/,
    ],
  },
  {
    id: 'wound_infection',
    urgency: 'urgent',
    patterns: [
      /\b(red streaks?|pus|oozing|infected|draining)\b/,
      new RegExp(`\\b(incision|stitches|wound|cut|surgery site|herida|puntos|cortada)${G(4)}(red|swollen|hot|opened|open|leaking|smells|roja|hinchada|caliente|abierta|pus|infectada)\\b`),
    ],
    requires: /\b(incision|stitches|wound|cut|surgery|bite|burn|sore|tooth|abscess|herida|puntos|cortada|cirugia|mordida|quemadura|muela|infect\w*)\b/,
  },
  {
    id: 'severe_pain',
    urgency: 'urgent',
    patterns: [
      new RegExp(`\\b(severe|unbearable|excruciating|worst|terrible|horrible|intense|extreme)${G(3)}(pain|cramps?|cramping|ache)\\b`),
      /\b(10|ten) ?(\/|out of) ?(10|ten)\b/,
      /\bdolor (muy |bien |super )?(fuerte|insoportable|terrible|horrible|intenso)\b|\bno aguanto el dolor\b/,
      new RegExp(`\\b(belly|stomach|abdominal|abdomen|tummy)${G(3)}pain${G(6)}(fever|vomit\\w*)\\b`),
      /\b(kidney stone|appendicitis|apendicitis|calculo)\b/,
    ],
  },
  {
    id: 'injury',
    urgency: 'urgent',
    patterns: [
      new RegExp(`\\b(hit|bumped|banged|fell|fall|struck|golpe\\w*|pego|pegue|cayo|cai)${G(4)}(head|cabeza)\\b`),
      new RegExp(`\\b(cannot|can not|could not|unable to)${G(1)}(walk|bear weight|put weight|stand|get up)\\b`),
      /\b(broken|broke|fractur\w*|dislocat\w*|rota|roto|quebr\w*)\b(?! (glasses|phone|tooth|toilet|link|website|portal|machine|telefono|lentes))/,
      /\b(dog|cat|animal|bat|snake|raccoon|perro|gato|vibora|serpiente) (bite|bit|mordio|mordida)\b|\bbit by (a |the )?(dog|cat|bat|snake|raccoon)\b|\bmordida de\b/,
      /\b(burn|burned|burnt|quemadura|quemo|queme)\b.*\b(blister\w*|ampolla\w*|face|hand|large|grande)\b/,
    ],
  },
  {
    id: 'allergic_reaction',
    urgency: 'urgent',
    patterns: [
      /\ballergic reaction\b|\breaccion alergica\b/,
      new RegExp(`\\b(hives|ronchas|rash|sarpullido)${G(6)}(new (medication|med|pill)|antibiotic|started|amoxicillin|penicillin|medicina nueva|antibiotico|empec\\w*)\\b`),
      new RegExp(`\\b(new (medication|pill)|antibiotic|started|amoxicillin|penicillin|antibiotico)${G(8)}(hives|ronchas|rash|sarpullido|swell\\w*|itch\\w*)\\b`),
      /\bwheez\w*\b|\basthma (attack|flare|acting up)\b|\bataque de asma\b|\bsilbido en el pecho\b/,
    ],
  },
  {
    id: 'very_high_blood_pressure',
    urgency: 'urgent',
    patterns: [/\b(1[89]\d|2\d\d) ?\/ ?(\d{2,3})\b|\b(\d{3}) ?\/ ?(1[1-9]\d)\b/],
    requires: /\b(blood pressure|pressure|bp|presion|reading|lectura)\b/,
  },
  {
    id: 'blood_sugar_out_of_range',
    urgency: 'urgent',
    patterns: [
      new RegExp(`\\b(sugar|glucose|meter|cgm|azucar|glucosa)${G(4)}([4-9]\\d\\d|[1-6]\\d)\\b(?!\\s*(mg|minutes|min|years|yrs|anos|%|units|am|pm|a\\.m|p\\.m|:))`),
    ],
  },
  {
    id: 'critical_medication_gap',
    urgency: 'urgent',
    patterns: [
      new RegExp(`\\b(ran out|out of|run out|no more|running out|without (my|his|her)|se me acab\\w*|se le acab\\w*|sin (mi|su|sus|mis))${G(3)}(insulin\\w*|seizure medication|keppra|levetiracetam|lamotrigine|eliquis|xarelto|warfarin|coumadin|blood thinner|inhaler|epi ?pen|prednisone|tacrolimus|transplant|heart medication|insulina|anticoagulante|inhalador)\\b`),
    ],
  },
  {
    id: 'medication_error',
    urgency: 'urgent',
    patterns: [
      new RegExp(`\\b(took|take|taken|gave|given|injected|inject|tome|tomo|me tome|se tomo|le di|me inyecte)${G(4)}(double|two doses|2 doses|extra (dose|pill|pills|tablet)|twice|wrong (pill|pills|medication|dose)|someone elses|my (husbands|wifes|moms|dads|roommates|neighbors|friends)|doble|dos dosis|de mas|equivocad\\w*|pastilla equivocada)\\b`),
      new RegExp(`\\b(took|tome)${G(2)}(\\d+|three|four|five|six|eight|ten)${G(3)}(at once|at the same time|al mismo tiempo|de una vez|juntas)\\b`),
      new RegExp(`\\b(instead of)${G(2)}\\d+ (units|mg)\\b`),
    ],
  },
  {
    id: 'dvt_signs',
    urgency: 'urgent',
    patterns: [
      new RegExp(`\\b(calf|pantorrilla)${G(4)}(swollen|swelling|red|hot|pain|hurts|hinchad\\w*|roja|caliente|dolor|duele)\\b`),
      new RegExp(`\\b(one|left|right) leg${G(3)}(swollen|swelling|red|hot)\\b`),
    ],
  },
  {
    id: 'mental_health_crisis',
    urgency: 'urgent',
    patterns: [
      /\b(hopeless|worthless|cannot go on|falling apart|panic attacks?|severely depressed|very depressed|really depressed|breakdown)\b/,
      /\b(sin esperanza|muy deprimid[oa]|deprimid[oa]|ataques? de (panico|ansiedad)|no puedo mas)\b/,
      /\b(hearing voices|seeing things|oigo voces|escucho voces)\b/,
    ],
  },
  {
    id: 'pregnancy_concern',
    urgency: 'urgent',
    patterns: [/\b(spotting|cramp\w*|manchado|manchando|colicos|contraction\w*|contracciones|bleed\w*|sangr\w*|leaking|less movement|swelling|hinchazon)\b/],
    check: (_m, text) => /\b(pregnant|weeks along|\d+ ?(weeks|wks)( pregnant)\b|embarazada|semanas de embarazo|postpartum|postparto)\b/.test(text),
  },
  {
    id: 'uti_with_fever',
    urgency: 'urgent',
    patterns: [new RegExp(`\\b(burn\\w*|pain|hurts|arde|ardor|duele)${G(3)}(pee|urinate|urinating|peeing|orinar|hacer pipi)\\b`)],
    requires: /\b(fever|back pain|flank|chills|fiebre|espalda|escalofrios|vomit\w*|blood|sangre)\b/,
  },
];

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

/** Red flags raised by a normalised message, most severe first. */
export function findRedFlags(normalized: string): RedFlagHit[] {
  const text = ` ${normalized} `;
  const hits: RedFlagHit[] = [];
  for (const rule of RULES) {
    for (const re of rule.patterns) {
      const m = findAffirmed(text, re);
      if (!m) continue;
      if (rule.unless && rule.unless.test(clauseBefore(text, m.index) + m[0] + clauseAfter(text, m.index + m[0].length))) continue;
      if (rule.requires && !findAffirmed(text, rule.requires)) continue;
      if (rule.check && !rule.check(m, text)) continue;
      hits.push({ id: rule.id, urgency: rule.urgency });
      break;
    }
  }
  hits.sort((a, b) => (a.urgency === b.urgency ? 0 : a.urgency === 'emergency' ? -1 : 1));
  return hits;
}

export const redFlagIds = RULES.map((r) => r.id);
