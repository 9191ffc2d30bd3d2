import { Hono } from 'hono';

/**
 * The edge entry (Cloudflare Workers). It answers health checks and says plainly that the
 * API is served by the Node deployment until the edge issue brings the database binding.
 */
const app = new Hono();
app.get('/healthz', (c) => c.json({ status: 'ok', runtime: 'edge' }));
app.all('*', (c) =>
  c.json(
    {
      error: {
        code: 'unavailable',
        message: 'this edge deployment serves health checks only; use the Node deployment (npm start) for the API',
        requestId: c.req.header('cf-ray') ?? null,
      },
    },
    503,
  ),
);

export default app;
