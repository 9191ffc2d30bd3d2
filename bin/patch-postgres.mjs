#!/usr/bin/env node
// postinstall: guards postgres.js (3.4.x) against writing to a socket that is gone, and
// against an unhandled rejection when a new connection closes while it fetches types.
//
// postgres.js defers small writes with setImmediate; when the connection closes first (the
// database restarted, a pooler dropped it), the deferred write runs on a null socket and
// throws from the immediate, an uncaught exception that ends the whole process
// (porsager/postgres#1066, #1154, #1208; unfixed in 3.4.10). Closing also leaves the stale
// timer and buffered bytes behind, which the next socket would get. Found by the fault
// tests (tests/security/faults.test.ts: Postgres restarted during traffic). Idempotent; a
// release with its own guard is left alone; tests/unit/postgres-patch.test.ts checks it held.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = 'switchboard: no socket';
const files = ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js'].map((f) => join(root, 'node_modules', 'postgres', f));

const typesMarker = 'switchboard: types on a closed connection';

for (const file of files) {
  if (!existsSync(file)) continue;
  let text = readFileSync(file, 'utf8');
  const before = text;
  if (!text.includes(marker)) {
    const write = '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)';
    if (!text.includes(write)) {
      process.stdout.write(`patch-postgres: ${file} has no unguarded nextWrite (a fixed release?); left as it is\n`);
    } else {
      text = text.replace(
        write,
        `  function nextWrite(fn) {\n    if (!socket) { chunk = nextWriteTimer = null; return false } // ${marker}\n    const x = socket.write(chunk, fn)`,
      );
      // the teardowns cancel the deferred write but leave the timer and bytes for the next socket
      text = text.replaceAll('    clearImmediate(nextWriteTimer)\n', `    clearImmediate(nextWriteTimer)\n    nextWriteTimer = chunk = null // ${marker}\n`);
    }
  }
  // A new connection first asks for the array types, in a promise nobody awaits: when the
  // database goes away during that query its rejection is unhandled, which ends a Node process
  // (found by the fault tests). The connection's own teardown fails what waited on it, and
  // the next connection asks again, so the rejection is dropped here.
  if (!text.includes(typesMarker)) {
    const fetch = '        return fetchArrayTypes()\n';
    if (!text.includes(fetch)) process.stdout.write(`patch-postgres: ${file} has no bare fetchArrayTypes() (a fixed release?); left as it is\n`);
    else text = text.replace(fetch, `        return fetchArrayTypes().catch(() => {}) // ${typesMarker}\n`);
  }
  if (text !== before) writeFileSync(file, text);
}
