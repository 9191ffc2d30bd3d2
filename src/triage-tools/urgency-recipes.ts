/**
 * Recipes for the urgency model's generated corpus (urgency-corpus.ts). Each recipe is one
 * discriminator of frames.ts said the ways patients say it: `parts` are interchangeable
 * pieces (the first is the core, the others support it and come in any order), `np` names
 * the event as a noun phrase (for the counter-examples: history, hypothetical, resolved,
 * someone else), `neg` denies it. Written from the concepts, not from any evaluation set.
 */

export interface Side {
  parts: string[][];
  np: string[];
  neg: string[];
}

export interface Recipe {
  id: string;
  urgency: 'emergency' | 'urgent' | 'routine';
  en: Side;
  es: Side;
}

const r = (id: string, urgency: Recipe['urgency'], en: Side, es: Side): Recipe => ({ id, urgency, en, es });

export const RECIPES: Recipe[] = [
  // ------------------------------------------------------------------ cardiac
  r('chest_pain', 'emergency', {
    parts: [
      ['chest pain', 'pain in my chest', 'my chest hurts', 'pressure in my chest', 'my chest feels tight', 'tightness in the chest', 'crushing pain in the chest', 'heavy feeling on my chest', 'his chest is hurting', 'she says her chest feels squeezed', 'my heart hurts', 'pain around my heart', 'chest discomfort that comes and goes', 'it feels like someone is standing on my chest', 'sharp pains across my chest'],
      ['going down my left arm', 'spreading to my jaw', 'into my back', 'and I am sweating', 'with cold sweats', 'and I feel sick to my stomach', 'and short of breath', 'and dizzy', 'for 30 minutes', 'since this morning', 'getting worse', 'and I have a stent'],
    ],
    np: ['chest pain', 'a heart attack', 'chest pressure', 'chest tightness'],
    neg: ['no chest pain', 'my chest does not hurt', 'no pressure in my chest', 'not having any chest pain', 'denies chest pain'],
  }, {
    parts: [
      ['dolor de pecho', 'dolor en el pecho', 'me duele el pecho', 'presión en el pecho', 'siento el pecho apretado', 'opresión en el pecho', 'me aprieta el pecho', 'un peso en el pecho', 'le duele el pecho', 'me duele el corazón', 'dice que le aprieta el pecho', 'siento como si me aplastaran el pecho', 'punzadas en el pecho'],
      ['que se va al brazo izquierdo', 'que se corre a la quijada', 'hasta la espalda', 'y estoy sudando', 'con sudor frío', 'y con náuseas', 'y me falta el aire', 'y mareado', 'desde hace media hora', 'desde la mañana', 'cada vez peor', 'y tengo un stent'],
    ],
    np: ['dolor de pecho', 'un infarto', 'presión en el pecho', 'opresión en el pecho'],
    neg: ['sin dolor de pecho', 'no me duele el pecho', 'no tengo presión en el pecho', 'nada de dolor en el pecho', 'niega dolor de pecho'],
  }),
  r('heart_attack', 'emergency', {
    parts: [['I think I am having a heart attack', 'my dad is having a heart attack', 'is this a heart attack', 'I think she is having a heart attack', 'feels like a heart attack'], ['please help', 'what do I do', 'his arm is numb', 'I am sweaty']],
    np: ['a heart attack', 'a cardiac arrest'],
    neg: ['not a heart attack', 'no heart attack'],
  }, {
    parts: [['creo que me está dando un infarto', 'a mi papá le está dando un infarto', 'es un infarto', 'creo que le dio un ataque al corazón', 'se siente como un infarto'], ['ayuda', 'qué hago', 'tiene el brazo dormido', 'estoy sudando']],
    np: ['un infarto', 'un ataque al corazón'],
    neg: ['no es un infarto', 'no tuve un infarto'],
  }),
  r('palpitations_faint', 'emergency', {
    parts: [['my heart is racing', 'heart pounding really fast', 'my heart is fluttering', 'heart beating out of my chest', 'palpitations'], ['and I almost passed out', 'and I nearly fainted', 'and chest pain', 'and I cannot catch my breath', 'and I feel like I am going to pass out']],
    np: ['palpitations'],
    neg: ['no palpitations', 'my heart is not racing'],
  }, {
    parts: [['el corazón me late muy rápido', 'tengo palpitaciones', 'siento el corazón acelerado', 'el corazón se me sale'], ['y casi me desmayo', 'y me duele el pecho', 'y me falta el aire', 'y siento que me voy a desmayar']],
    np: ['palpitaciones'],
    neg: ['sin palpitaciones', 'el corazón no me late rápido'],
  }),
  // ------------------------------------------------------------------ stroke
  r('stroke', 'emergency', {
    parts: [
      ['her face is drooping', 'one side of his face is droopy', 'my smile is crooked', 'his mouth is lopsided', 'her speech is slurred', 'he is slurring his words', 'she cannot get her words out', 'talking funny all of a sudden', 'cannot lift his right arm', 'my left arm went weak', 'sudden numbness on one side', 'the right side of her body is numb', 'cannot move my left leg', 'suddenly lost vision in one eye', 'seeing double all of a sudden', 'lost his balance suddenly', 'I think my mom is having a stroke'],
      ['started 20 minutes ago', 'all of a sudden', 'and she seems confused', 'and her arm is weak', 'and he cannot walk straight', 'she was fine an hour ago', 'just now'],
    ],
    np: ['a stroke', 'a mini stroke', 'facial droop', 'slurred speech'],
    neg: ['no face drooping', 'no slurred speech', 'no weakness on one side', 'her speech is normal', 'no numbness'],
  }, {
    parts: [
      ['tiene la cara caída', 'se le cayó un lado de la cara', 'tengo la boca chueca', 'se le torció la boca', 'arrastra las palabras', 'habla enredado', 'no le salen las palabras', 'de repente habla raro', 'no puede levantar el brazo derecho', 'se me debilitó el brazo izquierdo', 'se me durmió un lado del cuerpo de repente', 'tiene todo el lado derecho dormido', 'no puedo mover la pierna izquierda', 'de repente perdí la vista de un ojo', 'de repente veo doble', 'perdió el equilibrio de repente', 'creo que a mi mamá le está dando un derrame'],
      ['empezó hace 20 minutos', 'de repente', 'y está confundida', 'y tiene el brazo débil', 'y no puede caminar derecho', 'hace una hora estaba bien', 'ahorita'],
    ],
    np: ['un derrame', 'una embolia', 'la cara caída', 'un derrame cerebral'],
    neg: ['no tiene la cara caída', 'habla normal', 'sin debilidad', 'no arrastra las palabras', 'sin entumecimiento'],
  }),
  // ------------------------------------------------------------------ breathing
  r('breathing', 'emergency', {
    parts: [
      ['I cannot breathe', 'he can barely breathe', 'she is struggling to breathe', 'having a really hard time breathing', 'I cannot catch my breath', 'gasping for air', 'I feel like I am suffocating', 'his lips are turning blue', 'her lips look blue', 'she is turning grey', 'he is not breathing', 'my son stopped breathing', 'choking and cannot cough', 'short of breath even sitting still', 'cannot talk in full sentences', 'ribs pulling in with every breath', 'my inhaler is not helping at all', 'wheezing so bad she cannot talk'],
      ['please help', 'it is getting worse', 'for the last hour', 'and my chest is tight', 'and I am scared', 'what should I do'],
    ],
    np: ['trouble breathing', 'shortness of breath', 'an asthma attack', 'difficulty breathing'],
    neg: ['no trouble breathing', 'breathing fine', 'not short of breath', 'no shortness of breath', 'breathing normally'],
  }, {
    parts: [
      ['no puedo respirar', 'casi no puede respirar', 'le cuesta mucho respirar', 'tiene mucha dificultad para respirar', 'me falta el aire', 'se está ahogando', 'siento que me asfixio', 'tiene los labios morados', 'se le pusieron los labios azules', 'se está poniendo gris', 'no respira', 'mi hijo dejó de respirar', 'se atragantó y no puede toser', 'me falta el aire aunque esté sentado', 'no puede terminar una frase', 'se le hunden las costillas al respirar', 'el inhalador no le hace nada', 'le silba el pecho y no puede hablar'],
      ['ayuda por favor', 'va empeorando', 'desde hace una hora', 'y el pecho apretado', 'y tengo miedo', 'qué hago'],
    ],
    np: ['dificultad para respirar', 'falta de aire', 'un ataque de asma'],
    neg: ['sin dificultad para respirar', 'respiro bien', 'no me falta el aire', 'respira normal'],
  }),
  // ------------------------------------------------------------------ anaphylaxis
  r('anaphylaxis', 'emergency', {
    parts: [
      ['my throat is closing', 'throat feels tight and swollen', 'my tongue is swelling', 'his lips and face are swelling', 'I am having an allergic reaction and cannot breathe', 'hives all over and my throat is tight', 'we used the epipen', 'she is having anaphylaxis', 'trouble swallowing and my lips are huge'],
      ['after eating peanuts', 'after a bee sting', 'after the new antibiotic', 'after shrimp', 'and I feel faint', 'and I am wheezing', 'and throwing up'],
    ],
    np: ['anaphylaxis', 'an allergic reaction', 'a severe allergy'],
    neg: ['no throat swelling', 'no trouble swallowing', 'tongue is not swollen', 'lips are not swollen'],
  }, {
    parts: [
      ['se me cierra la garganta', 'siento la garganta apretada e hinchada', 'se me está hinchando la lengua', 'se le hinchan los labios y la cara', 'tengo una reacción alérgica y no puedo respirar', 'ronchas por todo el cuerpo y la garganta cerrada', 'le pusimos el epipen', 'está teniendo anafilaxia', 'me cuesta tragar y tengo los labios hinchados'],
      ['después de comer cacahuates', 'después de una picadura de abeja', 'con el antibiótico nuevo', 'después de comer camarón', 'y me siento desmayar', 'y me silba el pecho', 'y vomitando'],
    ],
    np: ['anafilaxia', 'una reacción alérgica', 'una alergia fuerte'],
    neg: ['sin hinchazón de garganta', 'puedo tragar bien', 'la lengua no está hinchada', 'los labios no están hinchados'],
  }),
  // ------------------------------------------------------------------ self-harm (C-SSRS)
  r('self_harm', 'emergency', {
    parts: [
      ['I want to die', 'I wish I was dead', 'I keep thinking about killing myself', 'I have a plan to end my life', 'I do not want to live anymore', 'everyone would be better off without me', 'I want to hurt myself', 'I cut myself tonight', 'thinking about suicide', 'I took all my pills because I want to die', 'I just want to go to sleep and not wake up', 'there is no reason for me to live', 'my daughter says she wants to kill herself', 'I wrote a goodbye note'],
      ['tonight', 'I have the pills ready', 'I have a gun at home', 'I cannot do this anymore', 'I am done', 'please help'],
    ],
    np: ['suicidal thoughts', 'a suicide attempt', 'self harm', 'thoughts of hurting myself'],
    neg: ['I am not suicidal', 'no thoughts of hurting myself', 'I do not want to hurt myself', 'never had suicidal thoughts'],
  }, {
    parts: [
      ['me quiero morir', 'quisiera estar muerto', 'pienso en matarme', 'tengo un plan para quitarme la vida', 'ya no quiero vivir', 'todos estarían mejor sin mí', 'quiero hacerme daño', 'me corté esta noche', 'pensando en suicidarme', 'me tomé todas las pastillas porque me quiero morir', 'quiero dormirme y no despertar', 'no tengo razón para vivir', 'mi hija dice que se quiere matar', 'escribí una carta de despedida'],
      ['esta noche', 'ya tengo las pastillas', 'tengo una pistola en la casa', 'ya no puedo más', 'ya no aguanto', 'ayuda'],
    ],
    np: ['pensamientos suicidas', 'un intento de suicidio', 'ideas de hacerme daño'],
    neg: ['no tengo pensamientos suicidas', 'no quiero hacerme daño', 'no pienso en matarme', 'nunca he pensado en suicidarme'],
  }),
  // the lower rungs and preparatory acts of the C-SSRS (passive wish, giving things away,
  // goodbyes, means put aside), said the indirect way patients say them, third person too
  r('self_harm_passive', 'emergency', {
    parts: [
      ['I would not mind if I never woke up', 'part of me wants to just not exist', 'I have been giving my things away to friends', 'I have been reading about ways to die', 'I counted out my pills tonight', 'I said goodbye to my sister today', 'I do not think I can go on', 'it would be easier if I was not around', 'my mom keeps saying she is ready to die', 'my son told me he does not want to be alive'],
      ['nobody knows', 'I am scared of myself', 'please call me', 'I am alone tonight'],
    ],
    np: ['thoughts of not waking up', 'a wish to be dead'],
    neg: ['I do not wish I was dead', 'no thoughts of dying'],
  }, {
    parts: [
      ['a veces pienso que seria mejor no despertar', 'ya no le encuentro sentido a nada de esto', 'quisiera desaparecer y ya', 'estoy regalando mis cosas a mis sobrinos', 'ya me despedi de mi familia', 'tengo guardadas unas pastillas para cuando me decida', 'le pido a Dios que ya me lleve', 'ya no quiero seguir con esta vida', 'estuve viendo en internet como hacerlo', 'mi hijo dice q ya no quiere vivir', 'mi mama dice que ya se quiere ir con Dios', 'kiero morirme ya', 'ya no quiero seguir', 'mejor me desaparezco'],
      ['nadie sabe', 'estoy sola', 'porfa llamen', 'tengo miedo de mi misma'],
    ],
    np: ['pensamientos de no despertar', 'ganas de morir'],
    neg: ['no tengo ganas de morir', 'no pienso en desaparecer'],
  }),
  // ------------------------------------------------------------------ bleeding and trauma
  r('bleeding', 'emergency', {
    parts: [
      ['the bleeding will not stop', 'bleeding a lot from a cut', 'blood is spurting out', 'soaked through three towels', 'blood everywhere', 'he is vomiting blood', 'coughing up a lot of blood', 'heavy bleeding from my rectum', 'cannot stop the bleeding', 'still bleeding after 20 minutes of pressure'],
      ['and I feel faint', 'I am on blood thinners', 'and it is gushing', 'from my leg', 'from his head'],
    ],
    np: ['heavy bleeding', 'a bad cut', 'bleeding'],
    neg: ['no bleeding', 'the bleeding stopped', 'not bleeding'],
  }, {
    parts: [
      ['no para de sangrar', 'está sangrando mucho por una cortada', 'la sangre sale a chorros', 'ya empapé tres toallas', 'hay sangre por todos lados', 'está vomitando sangre', 'tose mucha sangre', 'sangrado fuerte por el recto', 'no puedo parar el sangrado', 'sigue sangrando después de 20 minutos de presión'],
      ['y me siento desmayar', 'tomo anticoagulantes', 'y sale a chorros', 'de la pierna', 'de la cabeza'],
    ],
    np: ['un sangrado fuerte', 'una cortada', 'sangrado'],
    neg: ['no sangra', 'ya no sangra', 'sin sangrado'],
  }),
  r('trauma', 'emergency', {
    parts: [
      ['he was stabbed', 'my brother got shot', 'she was hit by a car', 'car crash and his leg is bent the wrong way', 'fell off the roof', 'fell down the stairs and is not moving', 'the bone is sticking out', 'cut off the tip of my finger', 'my dad is on warfarin and hit his head and is very sleepy', 'hit her head and passed out'],
      ['please help', 'lots of blood', 'just now', 'he is confused'],
    ],
    np: ['a car accident', 'a fall', 'a head injury', 'a broken leg'],
    neg: ['no head injury', 'did not hit his head', 'no broken bones'],
  }, {
    parts: [
      ['lo apuñalaron', 'a mi hermano le dispararon', 'la atropelló un carro', 'chocamos y tiene la pierna torcida al revés', 'se cayó del techo', 'se cayó de la escalera y no se mueve', 'se le ve el hueso', 'me corté la punta del dedo', 'mi papá toma warfarina y se pegó en la cabeza y está muy dormido', 'se pegó en la cabeza y se desmayó'],
      ['ayuda', 'mucha sangre', 'ahorita', 'está confundido'],
    ],
    np: ['un accidente de carro', 'una caída', 'un golpe en la cabeza', 'una fractura'],
    neg: ['no se pegó en la cabeza', 'sin golpe en la cabeza', 'no tiene nada roto'],
  }),
  // ------------------------------------------------------------------ overdose and poisoning
  r('overdose', 'emergency', {
    parts: [
      ['I took 30 of my sleeping pills', 'she swallowed a whole bottle of tylenol', 'I think he overdosed', 'took way too many of my pain pills', 'my toddler got into my pills', 'my son swallowed a button battery', 'the baby ate a laundry pod', 'my daughter drank bleach', 'he swallowed two magnets', 'my 2 year old ate some of grandma\'s heart pills', 'she took a handful of xanax with vodka'],
      ['not sure how many', 'about an hour ago', 'and now he is very sleepy', 'and she is vomiting', 'what do I do'],
    ],
    np: ['an overdose', 'a poisoning'],
    neg: ['no overdose', 'did not take too many', 'only took one pill'],
  }, {
    parts: [
      ['me tomé 30 pastillas para dormir', 'se tomó un frasco entero de tylenol', 'creo que tuvo una sobredosis', 'me tomé demasiadas pastillas para el dolor', 'mi niño se metió a mis pastillas', 'mi hijo se tragó una pila de botón', 'el bebé se comió una cápsula de detergente', 'mi hija tomó cloro', 'se tragó dos imanes', 'mi niño de 2 años se comió unas pastillas del corazón de la abuela', 'se tomó un puño de xanax con tequila'],
      ['no sé cuántas', 'hace como una hora', 'y ahora está muy dormido', 'y está vomitando', 'qué hago'],
    ],
    np: ['una sobredosis', 'un envenenamiento'],
    neg: ['sin sobredosis', 'no tomé de más', 'solo tomé una pastilla'],
  }),
  // ------------------------------------------------------------------ pediatric (NICE NG143)
  r('pediatric', 'emergency', {
    parts: [
      ['my 5 week old has a fever of 100.6', 'my newborn feels hot and will not feed', 'my baby is floppy and will not wake up', 'purple spots that do not fade when I press a glass', 'the soft spot on his head is bulging', 'my toddler is vomiting green', 'no wet diapers since last night and very sleepy', 'my baby is grunting with every breath', 'my infant is limp and pale', 'my 2 month old has a temperature of 38.5'],
      ['please call', 'what do I do', 'since this morning', 'and she is not eating'],
    ],
    np: ['a fever', 'a rash'],
    neg: ['no fever', 'not floppy', 'wet diapers are normal'],
  }, {
    parts: [
      ['mi bebé de 5 semanas tiene fiebre de 38.3', 'mi recién nacido está caliente y no quiere comer', 'mi bebé está aguadito y no despierta', 'manchitas moradas que no se quitan al apretar con un vaso', 'tiene la mollera abultada', 'mi niño está vomitando verde', 'no ha mojado el pañal desde anoche y está muy dormido', 'mi bebé se queja con cada respiración', 'mi bebé está flojito y pálido', 'mi bebé de 2 meses tiene 38.5 de temperatura'],
      ['llámenme', 'qué hago', 'desde la mañana', 'y no quiere comer'],
    ],
    np: ['fiebre', 'un sarpullido'],
    neg: ['sin fiebre', 'no está aguadito', 'moja bien los pañales'],
  }),
  // ------------------------------------------------------------------ obstetric (CDC Hear Her)
  r('obstetric', 'emergency', {
    parts: [
      ['I am 30 weeks pregnant and bleeding heavily', 'the baby has not moved since yesterday', 'pregnant with a terrible headache and blurry vision', 'I gave birth last week and I am soaking a pad every hour', 'my water broke at 32 weeks', 'pregnant and my belly is hard as a rock with severe pain', 'postpartum with chest pain and trouble breathing', 'pregnant and my blood pressure is 170/112', 'I had a seizure and I am pregnant', 'I am 35 weeks and not feeling any kicks'],
      ['please help', 'since this morning', 'I am scared', 'what do I do'],
    ],
    np: ['bleeding in pregnancy', 'a miscarriage', 'preeclampsia'],
    neg: ['no bleeding', 'the baby is moving normally', 'no headache', 'no vision changes'],
  }, {
    parts: [
      ['tengo 30 semanas de embarazo y estoy sangrando mucho', 'el bebé no se ha movido desde ayer', 'embarazada con un dolor de cabeza horrible y vista borrosa', 'di a luz la semana pasada y lleno una toalla cada hora', 'se me rompió la fuente a las 32 semanas', 'embarazada y la panza dura como piedra con mucho dolor', 'después del parto con dolor de pecho y me falta el aire', 'embarazada y la presión en 170/112', 'tuve una convulsión y estoy embarazada', 'tengo 35 semanas y no siento patadas'],
      ['ayuda', 'desde la mañana', 'tengo miedo', 'qué hago'],
    ],
    np: ['sangrado en el embarazo', 'un aborto espontáneo', 'preeclampsia'],
    neg: ['sin sangrado', 'el bebé se mueve normal', 'sin dolor de cabeza', 'veo bien'],
  }),
  // ------------------------------------------------------------------ neurological
  r('neuro', 'emergency', {
    parts: [
      ['he is having a seizure', 'she had a seizure and is not waking up', 'found my grandma unresponsive', 'my husband passed out and is not responding', 'the worst headache of my life came on suddenly', 'fever and a stiff neck', 'she is suddenly very confused', 'he does not know where he is', 'cannot feel my legs and lost control of my bladder', 'he collapsed at work'],
      ['right now', 'just now', 'for five minutes', 'and she is breathing weird'],
    ],
    np: ['a seizure', 'a concussion', 'fainting'],
    neg: ['no seizures', 'not confused', 'did not pass out', 'no headache'],
  }, {
    parts: [
      ['está convulsionando', 'tuvo una convulsión y no despierta', 'encontré a mi abuela sin responder', 'mi esposo se desmayó y no reacciona', 'me dio de golpe el peor dolor de cabeza de mi vida', 'fiebre y el cuello rígido', 'de repente está muy confundida', 'no sabe dónde está', 'no siento las piernas y no controlo la orina', 'se desplomó en el trabajo'],
      ['ahorita', 'ahora mismo', 'desde hace cinco minutos', 'y respira raro'],
    ],
    np: ['una convulsión', 'una conmoción', 'un desmayo'],
    neg: ['sin convulsiones', 'no está confundido', 'no se desmayó', 'sin dolor de cabeza'],
  }),
  // ------------------------------------------------------------------ vitals (ESI, ADA)
  r('vitals', 'emergency', {
    parts: [
      ['my oxygen is 85%', 'pulse ox says 82', 'blood pressure 70/40', 'bp is 230/135 with a headache', 'heart rate 180', 'pulse is 36 and I feel dizzy', 'blood sugar 35 and shaky', 'sugar is 42 and he is confused', 'glucose over 600 and vomiting', 'temperature of 106'],
      ['right now', 'I feel faint', 'just checked', 'what do I do'],
    ],
    np: ['low oxygen', 'low blood sugar', 'high blood pressure'],
    neg: ['oxygen is 98%', 'blood pressure is normal', 'sugar is 110'],
  }, {
    parts: [
      ['el oxígeno está en 85%', 'el oxímetro marca 82', 'la presión en 70/40', 'la presión en 230/135 con dolor de cabeza', 'el pulso en 180', 'el pulso en 36 y estoy mareada', 'el azúcar en 35 y estoy temblando', 'el azúcar en 42 y está confundido', 'la glucosa en más de 600 y vomitando', 'tiene 41 de fiebre'],
      ['ahorita', 'me siento desmayar', 'acabo de checar', 'qué hago'],
    ],
    np: ['el oxígeno bajo', 'el azúcar baja', 'la presión alta'],
    neg: ['el oxígeno en 98%', 'la presión está normal', 'el azúcar en 110'],
  }),
  // ------------------------------------------------------------------ urgent
  r('urgent_fever', 'urgent', {
    parts: [['fever of 103 since last night', 'temperature 39.6 and chills', 'fever for 5 days now', 'my 4 month old has a fever', 'I am on chemo and have a fever of 101'], ['body aches', 'not coming down with tylenol', 'and a cough']],
    np: ['a fever'], neg: ['no fever'],
  }, {
    parts: [['fiebre de 39.5 desde anoche', 'temperatura de 39.6 y escalofríos', 'ya son 5 días con fiebre', 'mi bebé de 4 meses tiene fiebre', 'estoy en quimio y tengo fiebre'], ['me duele el cuerpo', 'no baja con paracetamol', 'y tos']],
    np: ['fiebre'], neg: ['sin fiebre'],
  }),
  r('urgent_infection', 'urgent', {
    parts: [['my incision is red and oozing pus', 'red streaks going up from the cut', 'the dog bite is swollen and hot', 'abscess on my leg getting bigger', 'stitches opened and it smells bad'], ['and I have a fever', 'since yesterday']],
    np: ['an infection'], neg: ['no redness', 'no pus'],
  }, {
    parts: [['la herida de la operación está roja y con pus', 'rayas rojas que suben desde la cortada', 'la mordida del perro está hinchada y caliente', 'un absceso en la pierna que crece', 'se abrieron los puntos y huele mal'], ['y tengo fiebre', 'desde ayer']],
    np: ['una infección'], neg: ['sin pus', 'no está roja'],
  }),
  r('urgent_gi_pain', 'urgent', {
    parts: [['vomiting all night and cannot keep water down', 'severe stomach pain with fever', 'blood in my stool', 'black tarry poop', 'diarrhea all day and dizzy when I stand', 'excruciating pain in my side, maybe a kidney stone', 'pain in the lower right side of my belly and threw up'], ['since yesterday', 'getting worse']],
    np: ['stomach pain', 'vomiting'], neg: ['no vomiting', 'no stomach pain'],
  }, {
    parts: [['vomitando toda la noche y no retengo ni el agua', 'dolor de estómago muy fuerte con fiebre', 'sangre en el popó', 'popó negro como chapopote', 'diarrea todo el día y mareo al pararme', 'dolor insoportable del costado, creo que es piedra en el riñón', 'dolor del lado derecho de abajo de la panza y vomité'], ['desde ayer', 'va empeorando']],
    np: ['dolor de estómago', 'vómito'], neg: ['sin vómito', 'no me duele el estómago'],
  }),
  r('urgent_injury', 'urgent', {
    parts: [['twisted my ankle and cannot put weight on it', 'I think my wrist is broken', 'bumped his head but did not pass out', 'burned my hand and it blistered', 'deep cut that needs stitches, bleeding is controlled'], ['this morning', 'at soccer']],
    np: ['an injury', 'a sprain'], neg: ['no injury'],
  }, {
    parts: [['me torcí el tobillo y no puedo apoyar el pie', 'creo que me fracturé la muñeca', 'se pegó en la cabeza pero no se desmayó', 'me quemé la mano y tengo ampollas', 'una cortada profunda que necesita puntos, ya no sangra'], ['esta mañana', 'jugando fútbol']],
    np: ['una lesión', 'un esguince'], neg: ['sin lesiones'],
  }),
  r('urgent_mental', 'urgent', {
    parts: [['I am having panic attacks all day', 'I feel hopeless and cannot sleep', 'my son is hearing voices', 'severely depressed and not eating', 'I am falling apart and need to talk to someone today'], ['but I am not going to hurt myself', 'since Monday']],
    np: ['a panic attack', 'depression'], neg: ['not depressed'],
  }, {
    parts: [['tengo ataques de pánico todo el día', 'me siento sin esperanza y no duermo', 'mi hijo oye voces', 'estoy muy deprimida y no como', 'me estoy derrumbando y necesito hablar con alguien hoy'], ['pero no me voy a hacer daño', 'desde el lunes']],
    np: ['un ataque de pánico', 'depresión'], neg: ['no estoy deprimida'],
  }),
  r('urgent_other', 'urgent', {
    parts: [['I ran out of my insulin', 'accidentally took a double dose of my blood pressure pill', 'hives after the new antibiotic but breathing fine', 'my asthma is flaring and I need my inhaler every 2 hours', 'blood pressure 190/115 no symptoms', 'sugar in the 400s all day', 'burning when I pee with fever and back pain', 'I cannot pee since this morning', 'chemical splashed in my eye', 'my calf is swollen red and painful', 'I am 9 weeks pregnant with spotting'], ['since yesterday', 'today']],
    np: ['a medication problem'], neg: ['no problems'],
  }, {
    parts: [['se me acabó la insulina', 'sin querer tomé doble dosis de la pastilla de la presión', 'ronchas con el antibiótico nuevo pero respiro bien', 'el asma alborotada y uso el inhalador cada 2 horas', 'la presión en 190/115 sin síntomas', 'el azúcar en 400 todo el día', 'ardor al orinar con fiebre y dolor de espalda', 'no puedo orinar desde la mañana', 'me salpicó un químico en el ojo', 'la pantorrilla hinchada, roja y con dolor', 'tengo 9 semanas de embarazo y manchado'], ['desde ayer', 'hoy']],
    np: ['un problema con la medicina'], neg: ['sin problemas'],
  }),
  // ISMP high-alert drugs: a gap or a dosing error is a same-day problem
  r('urgent_medication_gap', 'urgent', {
    parts: [['I only have one insulin pen left and the pharmacy is closed until Monday', 'my insurance stopped covering my seizure medicine and I have two pills left', 'the pharmacy will not refill my blood thinner without a new prescription', 'I missed my anti rejection pills for two days', 'I took my morning dose twice by mistake', 'I keep throwing up since I started the new pill', 'my son is out of his epilepsy medicine'], ['what do I do', 'today', 'please call']],
    np: ['a refill problem'], neg: ['I have plenty of medicine'],
  }, {
    parts: [['solo me queda una pluma de insulina y la farmacia esta cerrada', 'el seguro ya no me cubre la medicina de las convulsiones y me quedan dos pastillas', 'la farmacia no me quiere surtir el anticoagulante sin receta nueva', 'no me he tomado las pastillas del trasplante en dos dias', 'me tome la dosis de la manana dos veces sin querer', 'vomito desde que empece la pastilla nueva', 'a mi hijo se le acabo la medicina de la epilepsia'], ['que hago', 'hoy', 'x favor llamen']],
    np: ['un problema con el resurtido'], neg: ['tengo suficiente medicina'],
  }),
  // ------------------------------------------------------------------ routine symptoms (not urgent)
  r('routine_symptom', 'routine', {
    parts: [['mild cough for a few days', 'a runny nose', 'a little sore throat', 'some back pain after gardening', 'a small itchy rash on my arm', 'heartburn after dinner', 'trouble sleeping', 'my knee aches when I run', 'seasonal allergies acting up', 'dry skin', 'a mild headache that went away with tylenol', 'my ears feel plugged'], ['can I get an appointment', 'what can I take', 'is that normal', 'do I need to come in']],
    np: ['a cold'], neg: ['no cough'],
  }, {
    parts: [['un poco de tos desde hace días', 'mocos', 'un poco de dolor de garganta', 'dolor de espalda después del jardín', 'un sarpullido chiquito en el brazo', 'agruras después de cenar', 'no puedo dormir bien', 'me duele la rodilla al correr', 'las alergias de temporada', 'la piel seca', 'un dolor de cabeza leve que se quitó con paracetamol', 'los oídos tapados'], ['me dan cita', 'qué puedo tomar', 'es normal', 'tengo que ir']],
    np: ['un resfriado'], neg: ['sin tos'],
  }),
];

/** Look-alikes that are not about any recipe: idioms, normal doses, admin. */
export const LOOKALIKES: { en: string[]; es: string[] } = {
  en: [
    'this bill is killing me', 'I am dying to see my results', 'I almost had a heart attack when I saw the price', 'my feet are killing me in these shoes',
    'ugh kill me, I forgot my appointment', 'dead tired after work, can we move my visit', 'my heart skipped a beat when I got approved', 'the hold music is murder',
    'I could die of embarrassment, I missed my appointment', 'the parking lot gave me a heart attack lol', 'I am so bored I could die', 'I would kill for an earlier slot',
    'took 2 tylenol for a headache as the box says', 'gave my son 5 ml of motrin like the label says', 'I take 81 mg aspirin daily', 'took one benadryl to sleep',
    'I took my usual insulin this morning', 'can I take 400 mg ibuprofen every 6 hours', 'took my normal dose of metformin', 'I take 20 mg of lexapro every day',
    'can you send the records from my ER visit to my cardiologist', 'I got a bill from the ambulance', 'how do I renew my epipen prescription', 'what is the number of the crisis line',
    'is the CPR class on saturday', 'I need a note for work about my hospital stay', 'please fax my discharge papers', 'can I get a copy of my stroke follow up notes',
    'I got poison ivy from gardening', 'I cannot stop sneezing with these allergies', 'I had a stroke of luck with my insurance', 'my blood pressure pills need a refill',
    'my blood work came back', 'I bled a little when I flossed', 'my baby spits up after feeding', 'I am tired all the time',
  ],
  es: [
    'me muero de la vergüenza', 'me muero por saber mis resultados', 'casi me da un infarto cuando vi el precio', 'estos zapatos me están matando los pies',
    'estoy muerta de cansancio, pueden cambiar mi cita', 'me muero de hambre, puedo comer antes del análisis', 'se me partió el corazón cuando cancelaron mi cita', 'me quiero morir de la pena, llegué tarde',
    'me muero de risa con la música', 'casi me da un ataque buscando estacionamiento', 'me mata la espera en el teléfono', 'mis hijos me están volviendo loca',
    'tomé 2 tylenol para el dolor de cabeza como dice la caja', 'le di a mi hijo 5 ml de motrin como dice la etiqueta', 'tomo aspirina de 81 mg diario', 'tomé una benadryl para dormir',
    'me puse mi insulina de siempre', 'puedo tomar 400 mg de ibuprofeno cada 6 horas', 'tomé mi dosis normal de metformina', 'tomo 20 mg de escitalopram diario',
    'me mandan el expediente de mi visita a urgencias al cardiólogo', 'me llegó la cuenta de la ambulancia', 'cómo renuevo la receta del epipen', 'cuál es el número de la línea de crisis',
    'la clase de RCP es el sábado', 'necesito una constancia para el trabajo de mi hospitalización', 'manden por fax mis papeles de alta', 'me dan copia de las notas de seguimiento del derrame',
    'me salió roncha por la hiedra venenosa', 'no paro de estornudar con la alergia', 'tuve un golpe de suerte con el seguro', 'necesito resurtir las pastillas de la presión',
    'ya salieron mis análisis de sangre', 'me sangran un poco las encías con el hilo dental', 'mi bebé regurgita después de comer', 'estoy cansada todo el tiempo',
  ],
};
