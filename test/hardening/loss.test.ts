// 10 % random loss in BOTH directions, for real: two network namespaces joined by a veth, each
// dropping 10 % of incoming UDP with nftables (`numgen random mod 10000 < 1000 drop`), a host CLI
// peer in one and a client CLI peer in the other (`ip netns exec … node bin/nance.js --host <ip>
// --no-stun --stdio`). 200 posts: every acknowledged post, and every post the outbox took when the
// host did not answer in time, is stored exactly once (retries carry the same z). Then the chat is filled to the 819,200-byte cap and the client loads all of it through
// the page extension. Namespaces are always removed. Needs root, ip netns and nft, and the build.
import { describe, expect, it } from 'vitest';
import { canUseNetns, isBuilt, lossRun } from '../../bench/hardening-lib.mjs';

const why = !isBuilt ? 'not built; run npm run build' : canUseNetns();

describe.skipIf(why !== undefined)(
  why ? `loss in namespaces [skipped: ${why}]` : 'loss in namespaces',
  () => {
    it('10 % loss both ways: acknowledged posts land exactly once; a full chat loads completely', async () => {
      const r = await lossRun({ lossPercent: 10, posts: 200, concurrency: 8 });
      console.log(`loss test: ${JSON.stringify(r)}`);
      // A post the host did not acknowledge in time waits in the outbox and is resent (same z):
      // every accepted post lands exactly once.
      expect(r.acked + r.pending + r.failed).toBe(200);
      expect(r.acked + r.pending).toBeGreaterThanOrEqual(195);
      expect(r.outboxLeft).toBe(0);
      expect(r.missingAcked).toBe(0);
      expect(r.duplicates).toBe(0);
      expect(r.storedPosts).toBeGreaterThanOrEqual(r.acked);
      expect(r.storedPosts).toBeLessThanOrEqual(200);
      expect(r.fillStoppedWith).toBe(20); // the chat really is full
      expect(r.chatBase64Bytes).toBeGreaterThan(800_000);
      expect(r.loadError).toBeUndefined();
      expect(r.loadedMessages).toBe(r.chatMessages);
    }, 150_000);
  },
);
