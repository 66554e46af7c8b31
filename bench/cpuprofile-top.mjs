#!/usr/bin/env node
// Where a CPU profile's time went, without a browser: self time per function, the top N.
// `node bench/cpuprofile-top.mjs FILE.cpuprofile [N]` (profiles from SCALE_PROF_DIR, `node --cpu-prof`).
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [file, count = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/cpuprofile-top.mjs FILE.cpuprofile [N]');
  process.exit(2);
}
const { nodes, samples, timeDeltas } = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(nodes.map((n) => [n.id, n]));
const selfUs = new Map();
// Each sample's time delta belongs to the node sampled (its self time).
samples.forEach((id, i) => {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const name =
    `${functionName || '(anonymous)'} ${url ? `${path.basename(url)}:${lineNumber + 1}` : ''}`.trim();
  selfUs.set(name, (selfUs.get(name) ?? 0) + (timeDeltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
console.log(`total ${(total / 1e6).toFixed(1)} s sampled`);
for (const [name, us] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, Number(count))) {
  console.log(
    `${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${name}`,
  );
}
