#!/usr/bin/env node
// Fuzzes a real `node bin/nance.js` in both roles (peer and bootstrap) on 127.0.0.1 with mutated
// and random datagrams: it must never crash, never hang (a monitor ping every 100 ms keeps being
// answered), keep its memory flat, and answer only valid responses.
//   node bench/fuzz.mjs [count per role, default 1000000] [rate per role /s, default 4000]
// Needs the build (npm run build). Results go to docs/benchmarks.md, "Hardening".
import { rssKb, runFuzz, startNance } from './hardening-lib.mjs';

const count = Number(process.argv[2] ?? 1_000_000);
const rate = Number(process.argv[3] ?? 4000);

async function fuzzRole(role, seed) {
  const proc = await startNance({
    args: ['--log-level', 'warn', '--no-port-mapping', ...(role === 'bootstrap' ? ['--bootstrap'] : [])],
  });
  try {
    let chatUuid;
    if (role === 'peer')
      chatUuid = (await proc.ok('createChat', { name: 'fuzz', message: 'hi', author: 'a' })).uuid;
    let lastReport = Date.now();
    const stats = await runFuzz({
      target: proc.udp,
      count,
      rate,
      seed,
      chatUuid,
      pid: proc.pid,
      onProgress: (s) => {
        if (Date.now() - lastReport > 30_000) {
          lastReport = Date.now();
          process.stderr.write(`${role}: ${s.sent} sent, rss ${rssKb(proc.pid)} KiB\n`);
        }
      },
    });
    const status = proc.hasExited ? undefined : await proc.ok('getStatus', {}, 5000).catch(() => undefined);
    return { role, alive: !proc.hasExited && status !== undefined, ...stats };
  } finally {
    await proc.stop();
  }
}

const results = await Promise.all([fuzzRole('peer', 1), fuzzRole('bootstrap', 2)]);
for (const r of results) {
  const { invalidSamples, ...rest } = r;
  console.log(JSON.stringify(rest));
  console.log(
    `${r.role}: ${r.sent} datagrams in ${(r.elapsedMs / 1000).toFixed(0)} s, alive=${r.alive}, answers ${r.received} ` +
      `(codes ${JSON.stringify(r.responsesByCode)}, pings ${r.pingsFromPeer}, invalid ${r.invalid}), ` +
      `monitor ${r.monitorAnswered}/${r.monitorSent} max ${r.monitorMaxMs} ms, ` +
      `RSS ${r.rssBeforeKb} → ${r.rssWarmKb} (10 %) → ${r.rssAfterKb} KiB (peak ${r.rssPeakKb})`,
  );
}
const ok = results.every((r) => r.alive && r.invalid === 0 && r.monitorAnswered >= r.monitorSent - 2);
process.exitCode = ok ? 0 : 1;
