/**
 * `switchboard triage [--explain]`: JSONL {id,text,channel?} in, one triage result per line
 * (with its id) out. A bad line yields {id, error:{code,message}} and the rest go on.
 * Nothing but results is written to `output`.
 */
import { createInterface } from 'node:readline';
import { channels, loadDefaultTriage, type Channel } from '../../../triage/index.js';

type LineError = { code: 'invalid_json' | 'invalid_input'; message: string };

export async function runTriageCommand(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  opts: { explain: boolean; now?: Date; timeZone?: string },
): Promise<{ lines: number; errors: number }> {
  const engine = loadDefaultTriage();
  // relative dates ("next Tuesday at 3") resolve against the line's receivedAt, else now
  const now = opts.now ?? new Date();
  const timeZone = opts.timeZone ?? 'America/New_York';
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lines = 0;
  let errors = 0;
  let buffer: string[] = [];
  const flush = async () => {
    if (!buffer.length) return;
    const chunk = `${buffer.join('\n')}\n`;
    buffer = [];
    if (!output.write(chunk)) await new Promise<void>((r) => output.once('drain', () => r()));
  };
  for await (const raw of rl) {
    const line = raw.trim();
    if (!line) continue;
    lines++;
    let id: unknown = null;
    let error: LineError | undefined;
    let out: string | undefined;
    try {
      const row = JSON.parse(line) as unknown;
      if (row && typeof row === 'object' && !Array.isArray(row)) {
        const r = row as Record<string, unknown>;
        id = typeof r.id === 'string' || typeof r.id === 'number' ? r.id : null;
        const channel = r.channel;
        if (typeof r.text !== 'string' || !r.text.trim()) {
          error = { code: 'invalid_input', message: '"text" must be a non-empty string' };
        } else if (channel !== undefined && !(channels as readonly unknown[]).includes(channel)) {
          error = { code: 'invalid_input', message: `"channel" must be one of ${channels.join(', ')}` };
        } else {
          const at = typeof r.receivedAt === 'string' ? new Date(r.receivedAt) : now;
          const req = {
            text: r.text,
            receivedAt: Number.isNaN(at.getTime()) ? now : at,
            timeZone: typeof r.timeZone === 'string' ? r.timeZone : timeZone,
            ...(channel ? { channel: channel as Channel } : {}),
          };
          const result = opts.explain ? engine.explain(req) : engine.triage(req);
          out = JSON.stringify({ id, ...result });
        }
      } else {
        error = { code: 'invalid_input', message: 'each line must be a JSON object' };
      }
    } catch (e) {
      error = { code: 'invalid_json', message: e instanceof Error ? e.message : 'invalid JSON' };
    }
    if (error) {
      errors++;
      out = JSON.stringify({ id, error });
    }
    buffer.push(out!);
    if (buffer.length >= 256) await flush();
  }
  await flush();
  return { lines, errors };
}
