// The body of bench/scale-sim.mjs (run through vitest, which compiles test/support's TypeScript):
// one scale scenario per size in SCALE_SIZES, printed as one JSON line each, prefixed "SCALE ".
import { it } from 'vitest';
import { runScale } from '../test/support/sim-scale.js';

const env = process.env;
const sizes = (env.SCALE_SIZES ?? '100').split(',').map(Number);
const design = env.SCALE_DESIGN ?? 'default';

it('scale scenario', async () => {
  for (const peers of sizes) {
    const result = await runScale({
      peers,
      bootstraps: Number(env.SCALE_BOOTSTRAPS ?? Math.max(3, Math.ceil(peers / 2000))),
      seed: Number(env.SCALE_SEED ?? 1),
      joinSpreadMs: Number(env.SCALE_JOIN_MS ?? 60_000),
      warmupMs: Number(env.SCALE_WARMUP_MS ?? 120_000),
      windowMs: Number(env.SCALE_WINDOW_MS ?? 120_000),
      churnPerMinute: Number(env.SCALE_CHURN ?? 0.02),
      chats: Number(env.SCALE_CHATS ?? 5),
      ...(design === 'default' ? {} : { sync: JSON.parse(design) }),
      progress: env.SCALE_PROGRESS === '1',
    });
    process.stdout.write(`SCALE ${JSON.stringify({ design, ...result })}\n`);
  }
});
