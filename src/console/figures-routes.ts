import { z } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { errors } from '../http/openapi';
import { errorBody } from '../http/errors';
import { MetricsQuery } from '../inbox/inbox-metrics';
import { readFigures } from '../inbox/metrics-routes';
import { chartNames, renderChart, type ChartName } from './charts';

/** The figures page's charts as SVG images, from the same figures as `/api/v1/metrics/inbox`. */
export function figuresRoutes(app: App) {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/v1/metrics/charts/{chart}',
    tags: ['metrics'],
    summary: 'A chart of the figures as SVG: volume-by-channel.svg, volume-by-intent.svg, first-response.svg, backlog.svg, rates.svg',
    description: 'Takes the query of `/api/v1/metrics/inbox` (practiceId, from, to). Each SVG has a title and a description for screen readers.',
    security: [{ bearerAuth: [] }, { cookieAuth: [] }],
    request: {
      params: z.object({ chart: z.enum(chartNames.map((n) => `${n}.svg`) as [string, ...string[]]).openapi({ param: { name: 'chart', in: 'path' } }) }),
      query: MetricsQuery.omit({ format: true }),
    },
    responses: { 200: { description: 'The chart', content: { 'image/svg+xml': { schema: { type: 'string' } } } }, 400: errors[400], 401: errors[401], 404: errors[404] },
  });

  app.get('/api/v1/metrics/charts/:file', async (c) => {
    const who = requireStaff(c);
    const name = c.req.param('file').replace(/\.svg$/, '');
    if (!(chartNames as readonly string[]).includes(name)) return c.json(errorBody(c, 'not_found', `no chart "${name}"; charts: ${chartNames.join(', ')}`), 404);
    const parsed = MetricsQuery.safeParse(c.req.query());
    if (!parsed.success) return c.json(errorBody(c, 'validation_failed', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')), 400);
    const deps = c.get('deps');
    const figures = await readFigures(deps.db, who, parsed.data, deps.clock.now(), c.get('requestId'));
    return c.body(renderChart(name as ChartName, figures), 200, { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'private, no-cache' });
  });
}
