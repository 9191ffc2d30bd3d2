import { useEffect, useState } from 'hono/jsx/dom';
import { useApp } from '../app';
import { listTemplates, previewTemplate, resetTemplate, saveTemplate, type Preview, type Template } from '../api/templates';
import { describe } from '../api/http';
import { channelName, fullTime, words } from '../lib/format';
import { ErrorView, Field, Loading, Notice, PageHeader, inputValue } from '../components/ui';

/*
 * Templates: pick a purpose and channel; edit the practice's own wording for a language, and
 * see it rendered in English and Spanish with the practice's values and the SMS parts it
 * costs, before saving. Reset goes back to the shipped wording.
 */

export function TemplatesPage() {
  const app = useApp();
  const practiceId = app.onePracticeId;
  const [all, setAll] = useState<Template[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [purpose, setPurpose] = useState('hours');
  const [channel, setChannel] = useState<Template['channel']>('sms');
  const [language, setLanguage] = useState<'en' | 'es'>('en');
  const [body, setBody] = useState('');
  const [subject, setSubject] = useState('');
  const [previews, setPreviews] = useState<Partial<Record<'en' | 'es', Preview | { error: string }>>>({});
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  const load = async () => {
    try {
      setAll((await listTemplates(practiceId)).data);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    if (practiceId) void load();
  }, [practiceId]);

  const find = (lang: 'en' | 'es') => all?.find((t) => t.purpose === purpose && t.channel === channel && t.language === lang);
  const current = find(language);

  // the editor holds the override, else the shipped wording
  useEffect(() => {
    if (!current) return;
    setBody(current.override?.body ?? current.default.body);
    setSubject(current.override?.subject ?? current.default.subject ?? '');
    setNotice(null);
  }, [purpose, channel, language, all]);

  // both languages rendered: the draft for the one being edited, the stored one for the other
  useEffect(() => {
    if (!current) return;
    const t = setTimeout(async () => {
      const next: typeof previews = {};
      for (const lang of ['en', 'es'] as const) {
        if (!find(lang)) continue;
        try {
          next[lang] = await previewTemplate({
            practiceId,
            purpose,
            channel,
            language: lang,
            ...(lang === language ? { body, subject: channel === 'email' ? subject : undefined } : {}),
          });
        } catch (err) {
          next[lang] = { error: describe(err) };
        }
      }
      setPreviews(next);
    }, 300);
    return () => clearTimeout(t);
  }, [body, subject, purpose, channel, language, all]);

  if (!practiceId) return <Notice>No practice to edit.</Notice>;
  if (error) return <ErrorView error={error} what="Templates" />;
  if (!all) return <Loading />;

  const purposes = [...new Map(all.map((t) => [t.purpose, t])).values()].sort((a, b) => (a.audience === b.audience ? a.purpose.localeCompare(b.purpose) : a.audience === 'patient' ? -1 : 1));
  const channelsOf = [...new Set(all.filter((t) => t.purpose === purpose).map((t) => t.channel))];

  return (
    <div class="templates-page">
      <PageHeader title="Templates" />
      <p class="muted">
        The words Switchboard sends. Each practice can have its own wording; variables such as <code>{'{{practice.name}}'}</code> are filled when a message goes out, and a variable a channel may
        not carry (a last name in a text) cannot be saved.
      </p>
      <div class="templates-layout">
        <nav class="template-list" aria-label="Templates">
          <ul>
            {purposes.map((t) => {
              const overridden = all.some((x) => x.purpose === t.purpose && x.override);
              return (
                <li>
                  <button
                    type="button"
                    aria-current={t.purpose === purpose ? 'true' : undefined}
                    class={t.purpose === purpose ? 'on' : ''}
                    onClick={() => {
                      setPurpose(t.purpose);
                      const chans = all.filter((x) => x.purpose === t.purpose).map((x) => x.channel);
                      if (!chans.includes(channel)) setChannel(chans[0]!);
                    }}
                  >
                    {words(t.purpose)}
                    {t.audience === 'staff' ? <span class="muted small"> (staff)</span> : null}
                    {overridden ? <span class="badge">own wording</span> : null}
                  </button>
                </li>
              );
            })}
          </ul>
        </nav>
        {current ? (
          <section class="template-editor" aria-labelledby="template-title">
            <h2 id="template-title">{words(purpose)}</h2>
            <p class="muted">{current.description}</p>
            <div class="inline-fields">
              <Field label="Channel">
                <select id="template-channel" value={channel} onChange={(e: Event) => setChannel(inputValue(e) as Template['channel'])}>
                  {channelsOf.map((ch) => (
                    <option value={ch} selected={ch === channel}>
                      {channelName[ch]}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label="Language to edit">
                <select id="template-language" value={language} onChange={(e: Event) => setLanguage(inputValue(e) as 'en' | 'es')}>
                  <option value="en" selected={language === 'en'}>
                    English
                  </option>
                  <option value="es" selected={language === 'es'}>
                    Spanish
                  </option>
                </select>
              </Field>
            </div>
            <p class="small muted">
              {current.override ? `This practice’s own wording, changed ${fullTime(current.override.updatedAt)}.` : 'The shipped wording.'}
            </p>
            {channel === 'email' ? (
              <Field label="Subject">
                <input id="template-subject" value={subject} onInput={(e: Event) => setSubject(inputValue(e))} />
              </Field>
            ) : null}
            <Field label="Text">
              <textarea id="template-body" rows={8} class="mono" value={body} onInput={(e: Event) => setBody(inputValue(e))} />
            </Field>
            <p class="small">
              Variables:{' '}
              {current.allowedVariables.map((v) => (
                <button type="button" class="chip" onClick={() => setBody(`${body}{{${v}}}`)} title="Add to the text">
                  {`{{${v}}}`}
                </button>
              ))}
            </p>
            <div class="actions">
              <button
                type="button"
                class="primary"
                id="template-save"
                onClick={async () => {
                  try {
                    await saveTemplate({ purpose, language, channel }, { practiceId, body, subject: channel === 'email' ? subject : undefined });
                    await load();
                    setNotice({ kind: 'ok', text: 'Saved: this wording is used from now on.' });
                  } catch (err) {
                    setNotice({ kind: 'error', text: describe(err) });
                  }
                }}
              >
                Save
              </button>
              {current.override ? (
                <button
                  type="button"
                  onClick={async () => {
                    try {
                      await resetTemplate({ purpose, language, channel }, practiceId);
                      await load();
                      setNotice({ kind: 'ok', text: 'Back to the shipped wording.' });
                    } catch (err) {
                      setNotice({ kind: 'error', text: describe(err) });
                    }
                  }}
                >
                  Reset to the shipped wording
                </button>
              ) : null}
            </div>
            {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
            <h3>Preview</h3>
            <div class="previews">
              {(['en', 'es'] as const).map((lang) => {
                const p = previews[lang];
                return (
                  <figure class="preview-card" id={`preview-${lang}`}>
                    <figcaption>
                      {lang === 'en' ? 'English' : 'Spanish'}
                      {lang === language ? ' (your draft)' : ''}
                    </figcaption>
                    {!p ? (
                      <p class="muted small">…</p>
                    ) : 'error' in p ? (
                      <p class="error small">{p.error}</p>
                    ) : (
                      <>
                        {p.subject ? <p class="subject">{p.subject}</p> : null}
                        <p class="body">{p.text}</p>
                        {p.segments ? (
                          <p class={`small ${p.segments.count > 2 ? 'warn' : 'muted'}`} id={`segments-${lang}`}>
                            {p.segments.characters} characters · {p.segments.count} SMS {p.segments.count === 1 ? 'part' : 'parts'} ({p.segments.encoding})
                            {p.segments.unicodeCharacters.length ? `; ${p.segments.unicodeCharacters.join(' ')} force UCS-2` : ''}
                          </p>
                        ) : null}
                        {p.warnings.map((w) => (
                          <p class="warn small">{w}</p>
                        ))}
                      </>
                    )}
                  </figure>
                );
              })}
            </div>
          </section>
        ) : (
          <p class="muted">Pick a template.</p>
        )}
      </div>
    </div>
  );
}
