// The body of bench/scale-sim.mjs (run through vitest, which compiles test/support's TypeScript):
// one scale scenario per size in SCALE_SIZES, printed as one JSON line each, prefixed "SCALE ", and
// a table of the issue's goals (docs/scale.md) with PASS/FAIL, prefixed "GOALS ".
// SCALE_PROF_DIR=dir: a CPU profile of the run is written there (open it in Chrome DevTools). It is
// taken through node:inspector because vitest 4 ends its workers before `--cpu-prof` can write.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { it } from 'vitest';
import { STOCKED_VIEW } from '../src-main/core/sync.js';
import { SCALE_GOALS as GOALS, runScale, type ScaleResult } from '../test/support/sim-scale.js';

const env = process.env;
const sizes = (env.SCALE_SIZES ?? '100').split(',').map(Number);
const design = env.SCALE_DESIGN ?? 'default';
/** Lines of each busiest node's breakdown printed (SCALE_TOP, default 16). */
const topLines = Number(env.SCALE_TOP ?? 16);

const seconds = (ms: number | null) =>
  ms === null || !Number.isFinite(ms) ? 'never' : `${(ms / 1000).toFixed(1)} s`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

function goals(r: ScaleResult): string {
  const s = r.steady;
  const p90 = r.spreadWorst.p90 ?? Number.POSITIVE_INFINITY;
  return [
    `peers ${r.peers} (${r.bootstraps} bootstraps, ${r.online} online, ${r.left} left): ${(r.realMs / 1000).toFixed(0)} s real for ${(r.virtualMs / 1000).toFixed(0)} s virtual`,
    `  join p50/p90/p99: ${seconds(r.joinMs.p50)} / ${seconds(r.joinMs.p90)} / ${seconds(r.joinMs.p99)}; never joined ${r.joinMs.never}; isolated ${r.isolated}`,
    `  new chat listed by 50/90/99 %: ${seconds(r.spreadWorst.p50)} / ${seconds(r.spreadWorst.p90)} / ${seconds(r.spreadWorst.p99)} (worst of ${r.chatSpreadMs.length} chats)  ${verdict(p90 <= GOALS.listedBy90Ms)} (90 % ≤ 60 s)`,
    `  per peer: ${s.datagramsPerSecMedian.toFixed(2)} datagrams/s, ${s.bytesPerSecMedian.toFixed(0)} B/s median (mean ${s.bytesPerSecMean.toFixed(0)}, p99 ${s.bytesPerSecP99.toFixed(0)})  ${verdict(s.bytesPerSecMedian <= GOALS.bytesPerSec)} (≤ 1 KB/s)`,
    `  busiest node ${s.busiestRatio.toFixed(1)}× median (a ${s.busiestRole}), busiest peer ${s.busiestPeerRatio.toFixed(1)}×  ${verdict(s.busiestRatio <= GOALS.busiestRatio)} (≤ 10×)`,
    `  bootstraps: ${s.bootstrapRatios.map((x) => `${x.toFixed(1)}×`).join(', ')}`,
    `  views holding a peer: median ${r.inDegree.median}, p99 ${r.inDegree.p99}, most ${r.inDegree.max}; the busiest peer is in ${r.inDegree.busiestPeer}`,
    `  ordinary peers in a view: p10 ${r.viewSize.p10}, median ${r.viewSize.median}; ${r.viewSize.belowStocked} views below ${STOCKED_VIEW} (these still ask bootstraps)`,
  ]
    .map((line) => `GOALS ${line}`)
    .join('\n');
}

/** Runs `body`, under the CPU profiler when SCALE_PROF_DIR is set (the file is named on stdout). */
async function profiled(body: () => Promise<void>): Promise<void> {
  const dir = env.SCALE_PROF_DIR;
  if (!dir) return body();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    await body();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `scale-${sizes.join('-')}-${Date.now()}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    process.stdout.write(`PROFILE ${file}\n`);
    session.disconnect();
  }
}

it('scale scenario', () => profiled(runSizes));

async function runSizes(): Promise<void> {
  for (const peers of sizes) {
    const result = await runScale({
      peers,
      bootstraps: Number(env.SCALE_BOOTSTRAPS ?? Math.max(3, Math.ceil(peers / 2000))),
      seed: Number(env.SCALE_SEED ?? 1),
      joinSpreadMs: Number(env.SCALE_JOIN_MS ?? 60_000),
      warmupMs: Number(env.SCALE_WARMUP_MS ?? 360_000),
      // One whole period of what peers do every 5 minutes (renew registrations, full-sync): joins
      // within one minute keep those in phase all run, and a 2-minute window caught one wave.
      windowMs: Number(env.SCALE_WINDOW_MS ?? 300_000),
      churnPerMinute: Number(env.SCALE_CHURN ?? 0.02),
      chats: Number(env.SCALE_CHATS ?? 5),
      ...(env.SCALE_SYMMETRIC ? { symmetricShare: Number(env.SCALE_SYMMETRIC) } : {}),
      ...(design === 'default' ? {} : { sync: JSON.parse(design) }),
      ...(env.SCALE_TRAVERSAL ? { traversal: JSON.parse(env.SCALE_TRAVERSAL) } : {}),
      ...(env.SCALE_GOSSIP ? { gossip: JSON.parse(env.SCALE_GOSSIP) } : {}),
      progress: env.SCALE_PROGRESS === '1',
      breakdown: env.SCALE_BREAKDOWN === 'by-kind' ? 'by-kind' : env.SCALE_BREAKDOWN !== '0',
    });
    const { breakdown, busiestBreakdown, busiestPeerBreakdown, ...summary } = result;
    const variant = { design, traversal: env.SCALE_TRAVERSAL, gossip: env.SCALE_GOSSIP };
    process.stdout.write(`SCALE ${JSON.stringify({ ...variant, ...summary })}\n${goals(result)}\n`);
    for (const b of (breakdown ?? []).slice(0, 16))
      process.stdout.write(
        `TRAFFIC ${b.label.padEnd(24)} ${b.bytesPerSec.toFixed(0).padStart(6)} B/s ${b.datagramsPerSec.toFixed(2).padStart(6)} datagrams/s per peer\n`,
      );
    // By datagrams, as the busiest ratio is counted; the busiest ordinary peer too when the
    // busiest node is a bootstrap.
    const top = (tag: string, lines: typeof busiestBreakdown) => {
      for (const b of [...(lines ?? [])]
        .sort((x, y) => y.datagramsPerSec - x.datagramsPerSec)
        .slice(0, topLines))
        process.stdout.write(
          `${tag} ${b.label.padEnd(24)} ${b.bytesPerSec.toFixed(0).padStart(6)} B/s ${b.datagramsPerSec.toFixed(2).padStart(6)} datagrams/s\n`,
        );
    };
    top('BUSIEST', busiestBreakdown);
    top('BUSIEST-PEER', busiestPeerBreakdown);
  }
}
