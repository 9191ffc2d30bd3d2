import { http, HttpResponse } from 'msw';

export const FHIR_BASE = 'https://ehr.example.test/fhir';

/**
 * msw stand-in for a FHIR R4 server's Appointment search with `_include=Appointment:patient`.
 * Serves the given pages, each linking to the next with an opaque page token like HAPI does,
 * and refuses any request without the expected bearer token (401).
 */
export function createFhirMock(opts: { token: string; pages: { appointments: unknown[]; patients: unknown[] }[]; total?: number }) {
  const requests: { url: string; authorization: string | null }[] = [];
  let failNext = 0;
  const handler = http.get(`${FHIR_BASE}/Appointment`, ({ request }) => {
    const url = new URL(request.url);
    requests.push({ url: request.url, authorization: request.headers.get('authorization') });
    if (request.headers.get('authorization') !== `Bearer ${opts.token}`) {
      return HttpResponse.json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] }, { status: 401 });
    }
    if (failNext > 0) {
      failNext--;
      return HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 503 });
    }
    const page = Number(url.searchParams.get('_page') ?? '0');
    const data = opts.pages[page];
    if (!data) return HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 404 });
    const next = page + 1 < opts.pages.length ? `${FHIR_BASE}/Appointment?_getpages=abc&_page=${page + 1}` : null;
    return HttpResponse.json({
      resourceType: 'Bundle',
      type: 'searchset',
      total: opts.total ?? opts.pages.reduce((n, p) => n + p.appointments.length, 0),
      link: [{ relation: 'self', url: request.url }, ...(next ? [{ relation: 'next', url: next }] : [])],
      entry: [
        ...data.appointments.map((r) => ({ fullUrl: `${FHIR_BASE}/Appointment/${(r as { id: string }).id}`, resource: r, search: { mode: 'match' } })),
        ...data.patients.map((r) => ({ fullUrl: `${FHIR_BASE}/Patient/${(r as { id: string }).id}`, resource: r, search: { mode: 'include' } })),
      ],
    });
  });
  // a Patient the search did not include is read on its own
  const read = http.get(`${FHIR_BASE}/Patient/:id`, ({ request, params }) => {
    if (request.headers.get('authorization') !== `Bearer ${opts.token}`) return HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 401 });
    const found = opts.pages.flatMap((p) => p.patients).find((r) => (r as { id: string }).id === params.id);
    return found ? HttpResponse.json(found) : HttpResponse.json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }, { status: 404 });
  });
  return {
    handlers: [handler, read],
    requests,
    /** answer the next n requests with 503 */
    failNext(n: number) {
      failNext = n;
    },
  };
}

export const fhirPatient = (id: string, given: string, family: string, phone: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  id,
  name: [{ use: 'official', given: [given], family }],
  telecom: [{ system: 'phone', value: phone, use: 'mobile' }],
  birthDate: '1980-04-02',
  ...extra,
});

export const fhirAppointment = (id: string, patientRef: string, start: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Appointment',
  id,
  status: 'booked',
  start,
  minutesDuration: 20,
  serviceType: [{ text: 'Follow-up' }],
  participant: [
    { actor: { reference: patientRef, display: 'Patient' }, status: 'accepted' },
    { actor: { reference: 'Practitioner/dr-1', display: 'Dr. Rivera' }, status: 'accepted' },
  ],
  ...extra,
});
