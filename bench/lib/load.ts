import { connect, type Socket } from 'node:net';

/**
 * A closed-loop HTTP/1.1 load generator over keep-alive sockets: each connection sends a
 * request, waits for its response, sends the next (like wrk or autocannon without
 * pipelining). Requests are whole pre-built byte buffers, so the client spends its time on
 * sockets rather than on building requests; it parses only the status line and the length.
 */
export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  /** milliseconds, ascending */
  latencies: Float64Array;
  /** non-2xx responses by status */
  statuses: Record<number, number>;
  /** non-2xx responses and socket errors */
  errors: number;
}

export interface LoadOptions {
  port: number;
  host?: string;
  connections: number;
  durationSeconds: number;
  /** the next request's bytes (a whole HTTP/1.1 request with keep-alive) */
  nextRequest(): Buffer;
  /** only results inside [warmup, duration] count, the start of a run warming JITs and pools */
  warmupSeconds?: number;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const CHUNK_END = Buffer.from('0\r\n\r\n');

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const warmupMs = (opts.warmupSeconds ?? 0) * 1000;
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let errors = 0;
  const t0 = performance.now();
  let measuring = warmupMs === 0;
  let measureStart = t0;
  const end = t0 + warmupMs + opts.durationSeconds * 1000;
  let measureEnd = end;
  if (!measuring) {
    setTimeout(() => {
      measuring = true;
      measureStart = performance.now();
    }, warmupMs);
  }

  const oneConnection = () =>
    new Promise<void>((resolve) => {
      const socket: Socket = connect({ port: opts.port, host: opts.host ?? '127.0.0.1', noDelay: true });
      let buf: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      const send = () => {
        const now = performance.now();
        if (now >= end) {
          socket.end();
          return resolve();
        }
        sentAt = now;
        socket.write(opts.nextRequest());
      };
      socket.on('connect', send);
      socket.on('error', () => {
        errors++;
        resolve();
      });
      socket.on('close', () => resolve());
      socket.on('data', (chunk: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        for (;;) {
          const head = buf.indexOf(CRLF2);
          if (head < 0) return;
          const header = buf.toString('latin1', 0, head);
          let total: number;
          const len = /\r\ncontent-length:\s*(\d+)/i.exec(header);
          if (len) total = head + 4 + Number(len[1]);
          else if (/\r\ntransfer-encoding:\s*chunked/i.test(header)) {
            const e = buf.indexOf(CHUNK_END, head + 4);
            if (e < 0) return;
            total = e + CHUNK_END.length;
          } else total = head + 4;
          if (buf.length < total) return;
          const status = Number(header.slice(9, 12));
          buf = buf.subarray(total);
          const now = performance.now();
          if (measuring && now <= end) {
            latencies.push(now - sentAt);
            if (status < 200 || status >= 300) {
              errors++;
              statuses[status] = (statuses[status] ?? 0) + 1;
            }
          }
          send();
        }
      });
    });

  await Promise.all(Array.from({ length: opts.connections }, oneConnection));
  measureEnd = Math.min(end, performance.now());
  const seconds = (measureEnd - measureStart) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return { requests: sorted.length, seconds, rps: sorted.length / seconds, latencies: sorted, statuses, errors };
}

/** an HTTP/1.1 POST with a form body, as one buffer */
export function formPost(path: string, body: string, headers: Record<string, string> = {}): Buffer {
  const bytes = Buffer.from(body, 'utf8');
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.concat([
    Buffer.from(
      `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: keep-alive\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${bytes.length}\r\n${extra}\r\n`,
      'latin1',
    ),
    bytes,
  ]);
}
