#!/usr/bin/env node
// What a key proof costs (docs/protocol.md, "Key proof"): CPU time per challenge made, per proof
// signed (the answering peer) and per proof checked (the pinger), from the built code
// (`npm run build` first). CPU time (process.cpuUsage), not wall time, so a busy machine skews it
// less. Then what a flood of challenged pings can cost a peer: signatures are capped by the proof
// budget (KEY_PROOF_BUDGET in src-main/core/peer.ts), not only by the rate limits.
//
//   node bench/key-proof-bench.mjs [--n 20000] [--json FILE]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const identity = path.join(ROOT, 'build', 'src-main', 'core', 'identity');
const { KeyPair } = await import(path.join(identity, 'keys.js'));
const { newChallenge, provePing, provenKey } = await import(path.join(identity, 'ping-proof.js'));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
};
const n = Number(arg('--n', 20_000));
const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
/** CPU µs per call of `run(i)` over `n` calls. */
function perCall(run) {
  const start = cpuMicros();
  for (let i = 0; i < n; i++) run(i);
  return (cpuMicros() - start) / n;
}

const key = KeyPair.generate();
const challenges = Array.from({ length: n }, () => newChallenge());
for (let i = 0; i < 2_000; i++) provenKey(provePing(key, challenges[i]), challenges[i]); // warm-up
const proofs = new Array(n);
const result = {
  n,
  challengeUs: perCall(() => newChallenge()),
  signUs: perCall((i) => {
    proofs[i] = provePing(key, challenges[i]);
  }),
  verifyUs: perCall((i) => {
    if (provenKey(proofs[i], challenges[i]) !== key.publicKey) throw new Error('a proof did not verify');
  }),
};
// The default rate limits let 5,000 datagrams/s in (all sources); the proof budget signs 1,000/s.
result.floodCoreShareUncapped = (5_000 * result.signUs) / 1e6;
result.floodCoreShareCapped = (1_000 * result.signUs) / 1e6;

const f = (x) => x.toFixed(1);
console.log(`key proof, ${n} each (CPU time per call):`);
console.log(
  `  challenge ${f(result.challengeUs)} µs   sign ${f(result.signUs)} µs   verify ${f(result.verifyUs)} µs`,
);
console.log(
  `  a flood of challenged pings: ${f(100 * result.floodCoreShareUncapped)} % of a core at the global rate limit ` +
    `(5,000/s), ${f(100 * result.floodCoreShareCapped)} % within the proof budget (1,000/s)`,
);
const json = arg('--json', undefined);
if (json) writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
