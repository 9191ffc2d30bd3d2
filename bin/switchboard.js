#!/usr/bin/env node
// The package's `switchboard` command: the compiled CLI (built first when stale).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, distDir, isStale } from './build.mjs';

if (isStale()) await build({ quiet: true });
await import(pathToFileURL(join(distDir, 'cli.js')).href);
