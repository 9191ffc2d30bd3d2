/**
 * Import direction, checked by `npm run lint:deps` (part of `npm test`). Layers, from the bottom:
 *   triage/, templates/, channels/   pure parts: never import src/ (channels only triage's types)
 *   src/platform/                    db, jobs, env, clock, logger, errors, time
 *   src/access/                      principals, authentication, audit
 *   src/http/                        the route kit: context, guards, OpenAPI helpers, errors
 *   domains (lowest first)           practices, outreach, patients, inbox, staff, scheduling, routing, intake
 *   *-routes.ts, src/console/        the HTTP face of each domain
 *   src/app/, then src/{server,worker,cli,edge}.ts
 * A domain imports only domains below it; a job's enqueue side (`*-queue.ts`) imports only the platform.
 */
const domains = ['practices', 'outreach', 'patients', 'inbox', 'staff', 'scheduling', 'routing', 'intake'];
const above = (i) => domains.slice(i + 1).join('|');

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'no import cycles (type-only imports aside)', from: {}, to: { circular: true, dependencyTypesNot: ['type-only'] } },
    { name: 'pure-parts-stay-pure', severity: 'error', comment: 'channels/, triage/ and templates/ never import src/', from: { path: '^(channels|triage|templates)/' }, to: { path: '^src/' } },
    { name: 'triage-imports-nothing-of-ours', severity: 'error', from: { path: '^triage/' }, to: { path: '^(channels|templates|src)/' } },
    { name: 'templates-import-nothing-of-ours', severity: 'error', from: { path: '^templates/' }, to: { path: '^(channels|triage|src)/' } },
    {
      name: 'channels-take-only-triage-types',
      severity: 'error',
      from: { path: '^channels/' },
      to: { path: '^(triage|templates)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'platform-is-the-floor',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: `^src/(?!platform/)` },
    },
    {
      name: 'access-below-the-domains',
      severity: 'error',
      from: { path: '^src/access/' },
      to: { path: '^src/(?!platform/|access/)' },
    },
    {
      name: 'http-kit-below-the-domains',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/(?!platform/|access/|http/)' },
    },
    {
      name: 'services-do-not-import-routes',
      severity: 'error',
      comment: 'a service or job never imports the HTTP layer; routes call services',
      from: { path: `^src/(${domains.join('|')})/`, pathNot: '-routes\\.ts$' },
      to: { path: ['^src/(http|console|app)/', '-routes\\.ts$'] },
    },
    ...domains.slice(0, -1).map((d, i) => ({
      name: `domain-order-${d}`,
      severity: 'error',
      comment: `${d} sits below ${domains.slice(i + 1).join(', ')}`,
      from: { path: `^src/${d}/`, pathNot: '-routes\\.ts$' },
      to: { path: `^src/(${above(i)})/` },
    })),
    {
      name: 'enqueue-imports-no-services',
      severity: 'error',
      comment: 'a job is enqueued through the outbox alone: the enqueue side imports the platform only',
      from: { path: '-queue\\.ts$' },
      to: { path: '^src/(?!platform/)', dependencyTypesNot: ['type-only'] },
    },
    { name: 'only-entries-import-app', severity: 'error', from: { path: '^src/(?!app/)[^/]+/' }, to: { path: '^src/app/' } },
    { name: 'nothing-imports-entries', severity: 'error', from: {}, to: { path: '^src/(server|worker|cli|edge)\\.ts$' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|^dist/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.json'] },
  },
};
