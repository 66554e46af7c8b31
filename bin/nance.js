#!/usr/bin/env node
// Entry of `npx nance`: runs the compiled headless peer (build it with `npm run build`).
import { existsSync } from 'node:fs';

const entry = new URL('../build/src-main/host/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('nance: not built yet; run `npm run build` first\n');
  process.exit(1);
}
await import(entry.href);
