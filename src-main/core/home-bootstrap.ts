// Which of our bootstraps lists us: one, chosen by rendezvous hashing of our key with each
// bootstrap's address, so N peers share B bootstraps evenly (docs/scale.md) and each peer keeps
// the same one while it answers. Registering with every configured bootstrap made each of them
// keep, ping and introduce every peer it was configured in.
import { createHash } from 'node:crypto';
import type { Endpoint } from './ports.js';
import { endpointKey } from './ports.js';

const score = (seed: string, e: Endpoint) =>
  createHash('sha256')
    .update(`${seed}\n${endpointKey(e)}`)
    .digest()
    .readUInt32BE(0);

/** `bootstraps` in the order this peer (by `seed`, its public key) prefers them as its home. */
export function rankBootstraps(seed: string, bootstraps: readonly Endpoint[]): Endpoint[] {
  return bootstraps
    .map((e) => ({ e, s: score(seed, e) }))
    .sort((a, b) => b.s - a.s)
    .map(({ e }) => e);
}

/**
 * A peer's home: the first of `bootstraps` by its rank (`seed`, its key) that `usable` accepts (not
 * found down by the asker's own last join). The peer picks its own so (sync.ts), and askers so
 * find it (connector.ts).
 */
export function homeBootstrap(
  seed: string,
  bootstraps: readonly Endpoint[],
  usable: (bootstrap: Endpoint) => boolean,
): Endpoint | undefined {
  return rankBootstraps(seed, bootstraps).find(usable);
}
