/**
 * Common US outpatient medications: generic name first, then brand names and common
 * misspellings, separated by "|". Matched on normalised (lowercase, accent-free) text.
 * Spanish spellings are derived in entities.ts (metformin -> metformina, ...).
 */
/** Spanish spellings of a drug name (metformin -> metformina, methadone -> metadona). */
export function spanishVariants(name: string): string[] {
  const out: string[] = [];
  if (/in$/.test(name)) out.push(`${name}a`);
  if (/ine$/.test(name)) out.push(name.replace(/ine$/, 'ina'));
  if (/ide$/.test(name)) out.push(name.replace(/ide$/, 'ida'));
  if (/one$/.test(name)) out.push(name.replace(/one$/, 'ona'));
  if (/ole$/.test(name)) out.push(name.replace(/ole$/, 'ol'));
  if (/ate$/.test(name)) out.push(name.replace(/ate$/, 'ato'));
  if (/am$/.test(name)) out.push(`${name}o`);
  if (/il$/.test(name)) out.push(name);
  // Spanish writes "th" as "t" and "y" as "i" (metadona, amitriptilina)
  for (const v of [...out]) {
    const plain = v.replace(/th/g, 't').replace(/y/g, 'i');
    if (plain !== v) out.push(plain);
  }
  return out;
}

export const MEDICATIONS: string[] = `
atorvastatin|lipitor|atorvastatine
levothyroxine|synthroid|levoxyl|unithroid|euthyrox|levothyroxin|levothyroxene
lisinopril|prinivil|zestril|lisinipril|lisinoprill|lisinapril
metformin|glucophage|metformen|metforman|metformine
amlodipine|norvasc|amlodipin|amlodopine
metoprolol|lopressor|toprol|toprol xl|metoprolol succinate|metoprolol tartrate|metropolol
omeprazole|prilosec|omeprazol
simvastatin|zocor
losartan|cozaar|losarten
albuterol|proair|ventolin|proventil|albuterol inhaler|salbutamol
gabapentin|neurontin|gabapentine|gabapenton
hydrochlorothiazide|hctz|microzide
sertraline|zoloft|sertralin
montelukast|singulair
fluticasone|flonase|flovent
amoxicillin|amoxil|amoxicilin|amoxicillen|amoxcillin
furosemide|lasix|furosemid
pantoprazole|protonix
escitalopram|lexapro
alprazolam|xanax
prednisone|deltasone|prednison
bupropion|wellbutrin|zyban
pravastatin|pravachol
citalopram|celexa
dextroamphetamine|adderall|amphetamine|mixed amphetamine salts|adderal
ibuprofen|advil|motrin|ibuprofin|ibuprofeno
carvedilol|coreg
trazodone|desyrel|trazadone
fluoxetine|prozac
tramadol|ultram
insulin glargine|lantus|basaglar|toujeo|semglee
insulin lispro|humalog|admelog|lyumjev
insulin aspart|novolog|fiasp
insulin|insulina
clonazepam|klonopin
tamsulosin|flomax
atenolol|tenormin
potassium chloride|klor-con|k-dur
meloxicam|mobic
rosuvastatin|crestor
clopidogrel|plavix
propranolol|inderal
aspirin|bayer|ecotrin|baby aspirin
cyclobenzaprine|flexeril
hydrocodone|norco|vicodin|lortab|hydrocodone acetaminophen
glipizide|glucotrol
duloxetine|cymbalta
methylphenidate|ritalin|concerta
ranitidine|zantac
venlafaxine|effexor
zolpidem|ambien
warfarin|coumadin|jantoven
oxycodone|oxycontin|percocet|roxicodone|oxy
ethinyl estradiol|birth control|oral contraceptive|the pill|sprintec|yaz|loestrin|junel|ortho tri-cyclen
allopurinol|zyloprim
ergocalciferol|vitamin d|drisdol|vitamin d3|cholecalciferol
insulin detemir|levemir
azithromycin|zithromax|z-pack|zpack|z pack|azithromicin
metronidazole|flagyl
loratadine|claritin
lorazepam|ativan
estradiol|estrace|vivelle
lamotrigine|lamictal
glimepiride|amaryl
fenofibrate|tricor
hydroxyzine|atarax|vistaril
quetiapine|seroquel
pioglitazone|actos
diclofenac|voltaren
spironolactone|aldactone
topiramate|topamax
apixaban|eliquis
rivaroxaban|xarelto
dabigatran|pradaxa
cetirizine|zyrtec
famotidine|pepcid
sitagliptin|januvia|janumet
empagliflozin|jardiance
dapagliflozin|farxiga
canagliflozin|invokana
semaglutide|ozempic|wegovy|rybelsus
dulaglutide|trulicity
liraglutide|victoza|saxenda
tirzepatide|mounjaro|zepbound
buspirone|buspar
valsartan|diovan
olmesartan|benicar
irbesartan|avapro
telmisartan|micardis
benazepril|lotensin
enalapril|vasotec
ramipril|altace
quinapril|accupril
clonidine|catapres
hydralazine|apresoline
diltiazem|cardizem
verapamil|calan
nifedipine|procardia|adalat
isosorbide mononitrate|imdur|isosorbide
nitroglycerin|nitrostat|nitro
digoxin|lanoxin
amiodarone|pacerone|cordarone
chlorthalidone|thalitone
triamterene|dyazide|maxzide
bumetanide|bumex
torsemide|demadex
finasteride|proscar|propecia
tadalafil|cialis
sildenafil|viagra|revatio
oxybutynin|ditropan
mirabegron|myrbetriq
tolterodine|detrol
doxycycline|vibramycin|doxy
cephalexin|keflex|cefalexin
ciprofloxacin|cipro
levofloxacin|levaquin
sulfamethoxazole trimethoprim|bactrim|septra|smx-tmp
nitrofurantoin|macrobid|macrodantin
clindamycin|cleocin
cefdinir|omnicef
amoxicillin clavulanate|augmentin
penicillin|penicillin vk|pen vk
valacyclovir|valtrex
acyclovir|zovirax
oseltamivir|tamiflu
fluconazole|diflucan
nystatin|mycostatin
terbinafine|lamisil
mupirocin|bactroban
triamcinolone|kenalog
hydrocortisone|cortef|cortaid
clobetasol|temovate
methylprednisolone|medrol|medrol dosepak
dexamethasone|decadron
budesonide|pulmicort|entocort
budesonide formoterol|symbicort
fluticasone salmeterol|advair|wixela
tiotropium|spiriva
fluticasone vilanterol|breo|breo ellipta
ipratropium|atrovent
benzonatate|tessalon|tessalon perles
guaifenesin|mucinex
dextromethorphan|delsym|robitussin
pseudoephedrine|sudafed
phenylephrine|sudafed pe
diphenhydramine|benadryl
fexofenadine|allegra
levocetirizine|xyzal
meclizine|antivert
ondansetron|zofran
promethazine|phenergan
metoclopramide|reglan
dicyclomine|bentyl
loperamide|imodium
docusate|colace
polyethylene glycol|miralax
sennosides|senna|senokot
lactulose|enulose
bisacodyl|dulcolax
sucralfate|carafate
esomeprazole|nexium
lansoprazole|prevacid
dexlansoprazole|dexilant
mesalamine|lialda|asacol
methotrexate|trexall|otrexup
hydroxychloroquine|plaquenil
adalimumab|humira
etanercept|enbrel
colchicine|colcrys|mitigare
febuxostat|uloric
naproxen|aleve|naprosyn|anaprox
acetaminophen|tylenol|paracetamol|apap|tylenol pm
celecoxib|celebrex
methocarbamol|robaxin
tizanidine|zanaflex
baclofen|lioresal
carisoprodol|soma
morphine|ms contin
hydromorphone|dilaudid
oxymorphone|opana
fentanyl|duragesic|fentanyl patch
buprenorphine|suboxone|subutex|buprenorphine naloxone
methadone|dolophine
naloxone|narcan
naltrexone|vivitrol|revia
codeine|tylenol with codeine|tylenol 3
butalbital|fioricet
sumatriptan|imitrex
rizatriptan|maxalt
amitriptyline|elavil
nortriptyline|pamelor
paroxetine|paxil
mirtazapine|remeron
desvenlafaxine|pristiq
vortioxetine|trintellix
aripiprazole|abilify
risperidone|risperdal
olanzapine|zyprexa
ziprasidone|geodon
lurasidone|latuda
lithium|lithobid
divalproex|depakote|valproic acid
levetiracetam|keppra
carbamazepine|tegretol
oxcarbazepine|trileptal
phenytoin|dilantin
pregabalin|lyrica
diazepam|valium
temazepam|restoril
eszopiclone|lunesta
melatonin
doxylamine|unisom
lisdexamfetamine|vyvanse
atomoxetine|strattera
guanfacine|intuniv|tenex
donepezil|aricept
memantine|namenda
ropinirole|requip
pramipexole|mirapex
carbidopa levodopa|sinemet
benztropine|cogentin
alendronate|fosamax
ibandronate|boniva
raloxifene|evista
calcium carbonate|tums
ferrous sulfate|iron|iron pills|feosol
folic acid|folate
cyanocobalamin|vitamin b12|b12
magnesium oxide|magnesium
prenatal vitamins|prenatal vitamin|prenatals
multivitamin|multivitamins
progesterone|prometrium
medroxyprogesterone|provera|depo-provera|depo
norethindrone|micronor|aygestin
levonorgestrel|plan b|mirena
conjugated estrogens|premarin
testosterone|androgel|testosterone cypionate
clomiphene|clomid
letrozole|femara
anastrozole|arimidex
tamoxifen|nolvadex
methimazole|tapazole
liothyronine|cytomel
armour thyroid|np thyroid
glyburide|diabeta|glynase
insulin nph|humulin n|novolin n|humulin|novolin
ezetimibe|zetia
gemfibrozil|lopid
niacin|niaspan
omega-3|fish oil|lovaza
icosapent ethyl|vascepa
sacubitril valsartan|entresto
ranolazine|ranexa
ticagrelor|brilinta
prasugrel|effient
enoxaparin|lovenox
heparin
cilostazol|pletal
pentoxifylline|trental
labetalol|trandate
nebivolol|bystolic
bisoprolol|zebeta
nadolol|corgard
propafenone|rythmol
flecainide|tambocor
sotalol|betapace
dofetilide|tikosyn
terazosin|hytrin
doxazosin|cardura
prazosin|minipress
minoxidil|rogaine
latanoprost|xalatan
timolol|timoptic
brimonidine|alphagan
dorzolamide|trusopt
prednisolone eye drops|pred forte
ketorolac|toradol
tobramycin|tobrex
ofloxacin|ocuflox
moxifloxacin|vigamox|avelox
cyclosporine|restasis|neoral|sandimmune
tacrolimus|prograf|protopic
mycophenolate|cellcept
azathioprine|imuran
isotretinoin|accutane|absorica|claravis
tretinoin|retin-a
adapalene|differin
benzoyl peroxide
minocycline|minocin
permethrin|elimite
ivermectin|stromectol
hydroxyurea|hydrea
epinephrine|epipen|auvi-q|epi pen|epi-pen
glucagon|baqsimi|gvoke
lidocaine|lidoderm|lidocaine patch|lidocaine gel
capsaicin
nicotine patch|nicoderm|nicotine gum|nicorette
varenicline|chantix
disulfiram|antabuse
acamprosate|campral
phentermine|adipex
orlistat|xenical
rifampin|rifadin
rifaximin|xifaxan
isoniazid
linezolid|zyvox
clarithromycin|biaxin
erythromycin|ery-tab
vancomycin|vancocin
phenelzine|nardil
tranylcypromine|parnate
selegiline|emsam
phenobarbital
primidone|mysoline
zonisamide|zonegran
lacosamide|vimpat
cannabidiol|cbd|epidiolex
dronabinol|marinol
loratadine pseudoephedrine|claritin-d
cetirizine pseudoephedrine|zyrtec-d
dayquil|nyquil|theraflu
excedrin
pepto bismol|bismuth subsalicylate
omeprazole sodium bicarbonate|zegerid
simethicone|gas-x
famciclovir|famvir
metformin er|glumetza|fortamet
losartan hydrochlorothiazide|hyzaar
lisinopril hydrochlorothiazide|zestoretic
amlodipine benazepril|lotrel
amlodipine valsartan|exforge
valsartan hydrochlorothiazide|diovan hct
triamcinolone nasal|nasacort
azelastine|astelin
olopatadine|pataday|patanol
ketotifen|zaditor
fluocinonide|lidex
ketoconazole|nizoral
clotrimazole|lotrimin
miconazole|monistat
silver sulfadiazine|silvadene
`
  .trim()
  .split('\n')
  .map((l) => l.trim())
  .filter(Boolean);
