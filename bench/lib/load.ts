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
      socket.on(
        'data',
        responseReader((status) => {
          const now = performance.now();
          if (measuring && now <= end) {
            latencies.push(now - sentAt);
            if (status < 200 || status >= 300) {
              errors++;
              statuses[status] = (statuses[status] ?? 0) + 1;
            }
          }
          send();
        }),
      );
    });

  await Promise.all(Array.from({ length: opts.connections }, oneConnection));
  measureEnd = Math.min(end, performance.now());
  const seconds = (measureEnd - measureStart) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return { requests: sorted.length, seconds, rps: sorted.length / seconds, latencies: sorted, statuses, errors };
}

/**
 * Splits a keep-alive socket's bytes into whole HTTP/1.1 responses (by Content-Length, or a
 * chunked body's end) and calls back with each one's status, in order.
 */
export function responseReader(onResponse: (status: number) => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  return (chunk) => {
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
      onResponse(status);
    }
  };
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

export interface PacedResult {
  /** requests answered */
  requests: number;
  /** requests scheduled (rate x duration) */
  scheduled: number;
  seconds: number;
  rps: number;
  /** milliseconds from each request's scheduled time to its response, ascending */
  latencies: Float64Array;
  statuses: Record<number, number>;
  errors: number;
  /** the most requests that were due but waiting for a free connection at once */
  maxBacklog: number;
}

/**
 * An open-loop load at a fixed rate: request i is due at start + i / rate, whatever the
 * server does, and goes out on the first free keep-alive connection. Latency counts from the
 * time it was due, so a server that falls behind shows it (no coordinated omission). The
 * callback hears each request's index and wall-clock due time (ms since the epoch).
 */
export async function runPaced(opts: {
  port: number;
  host?: string;
  connections: number;
  rate: number;
  durationSeconds: number;
  request(i: number): Buffer;
  onScheduled?(i: number, dueWallMs: number): void;
}): Promise<PacedResult> {
  const total = Math.round(opts.rate * opts.durationSeconds);
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let errors = 0;
  let answered = 0;
  let lost = 0;
  let next = 0;
  let maxBacklog = 0;
  const backlog: number[] = [];
  const free: { socket: Socket; inFlight: { i: number; due: number } | null }[] = [];
  let t0 = 0;
  const dueAt = (i: number) => t0 + (i * 1000) / opts.rate;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));

  const pump = () => {
    while (backlog.length > 0 && free.length > 0) {
      const c = free.shift()!;
      const i = backlog.shift()!;
      c.inFlight = { i, due: dueAt(i) };
      c.socket.write(opts.request(i));
    }
  };
  const tick = () => {
    const now = performance.now();
    while (next < total && dueAt(next) <= now) {
      opts.onScheduled?.(next, performance.timeOrigin + dueAt(next));
      backlog.push(next++);
    }
    maxBacklog = Math.max(maxBacklog, backlog.length);
    pump();
    if (next < total) setTimeout(tick, Math.max(0, dueAt(next) - performance.now()));
  };
  const settle = () => {
    // every request answered, or lost with its connection
    if (answered + lost >= total) finish();
  };

  // a connection the server closes (its keep-alive timeout, at a low rate) is opened again;
  // a request in flight on it is counted lost, never sent twice
  let stopped = false;
  const open = () =>
    new Promise<void>((resolve) => {
      const socket = connect({ port: opts.port, host: opts.host ?? '127.0.0.1', noDelay: true });
      const c: (typeof free)[number] = { socket, inFlight: null };
      socket.once('connect', () => {
        free.push(c);
        resolve();
        pump();
      });
      socket.on('error', () => {});
      socket.once('close', () => {
        const at = free.indexOf(c);
        if (at >= 0) free.splice(at, 1);
        if (c.inFlight) lost++;
        c.inFlight = null;
        resolve();
        settle();
        if (!stopped) setTimeout(() => void open(), 10);
      });
      socket.on(
        'data',
        responseReader((status) => {
          const f = c.inFlight;
          c.inFlight = null;
          if (f) {
            latencies.push(performance.now() - f.due);
            answered++;
            if (status < 200 || status >= 300) {
              errors++;
              statuses[status] = (statuses[status] ?? 0) + 1;
            }
          }
          free.push(c);
          pump();
          settle();
        }),
      );
    });
  await Promise.all(Array.from({ length: opts.connections }, open));
  t0 = performance.now() + 20;
  tick();
  await done;
  const seconds = (performance.now() - t0) / 1000;
  stopped = true;
  for (const c of free) c.socket.end();
  errors += total - answered;
  const sorted = Float64Array.from(latencies).sort();
  return { requests: answered, scheduled: total, seconds, rps: answered / seconds, latencies: sorted, statuses, errors, maxBacklog };
}
