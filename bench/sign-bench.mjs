#!/usr/bin/env node
// Cost of signed posts per post (docs/benchmarks.md, "Signed posts"): an author's signature of a
// post (`signPost`) and a host's or reader's check of it (`verifyPost`), with the built modules
// (run `npm run build` first). Ed25519 through node:crypto.
//
//   node bench/sign-bench.mjs [--posts N]
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const built = (p) => import(path.join(root, 'build', p));
const { KeyPair } = await built('src-main/core/identity/keys.js');
const { signPost, verifyPost } = await built('src-main/core/identity/post-signature.js');

const arg = process.argv.indexOf('--posts');
const N = arg > 0 ? Number(process.argv[arg + 1]) : 20_000;
const author = KeyPair.generate();
const host = KeyPair.generate();
const posts = Array.from({ length: N }, (_, i) => ({
  hostKey: host.publicKey,
  chatUuid: '6f1c2a9e-4b7d-4e21-9c3a-1d2e3f4a5b6c',
  name: 'Alice',
  content: `message number ${i}: ${'x'.repeat(80)}`,
  z: crypto.randomUUID(),
}));

function time(label, fn) {
  for (let i = 0; i < Math.min(1000, N); i++) fn(i); // warm up
  const start = performance.now();
  for (let i = 0; i < N; i++) fn(i);
  const us = ((performance.now() - start) * 1000) / N;
  console.log(`${label.padEnd(8)} ${us.toFixed(1)} µs/post  (${Math.round(1e6 / us)} posts/s, ${N} posts)`);
  return us;
}

const nowMs = Date.now();
const signed = new Array(N);
time('sign', (i) => {
  signed[i] = signPost(author, posts[i], nowMs);
});
let bad = 0;
time('verify', (i) => {
  if (!verifyPost(posts[i], signed[i])) bad++;
});
if (bad > 0) throw new Error(`${bad} signatures did not verify`);
