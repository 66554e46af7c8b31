// A long session with original-like base peers (issue 11, finding 9), in virtual time: the base
// double as the bootstrap and as a peer hosting a chat, and two of our peers joined through it that
// sync, list, read and post for 30 minutes. The double must survive (the original segfaults on two
// store requests in flight) and every request of ours must go out once and be answered once.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_GUARD } from '../../src-main/core/guard/index.js';
import type { Endpoint } from '../../src-main/core/ports.js';
import { SimHarness, type SimPeer } from '../support/sim-harness.js';
import type { BasePeer } from './base-peer.js';
import { startSimBasePeer } from './base-peer-sim.js';

const MINUTE = 60_000;
const SESSION_MS = 30 * MINUTE;

let harness: SimHarness | undefined;
const doubles: BasePeer[] = [];

afterEach(async () => {
  for (const d of doubles.splice(0)) await d.close();
  await harness?.close();
  harness = undefined;
});

/** Every request a double received from `from`, by z (resends share their z). */
function requestsByZ(base: BasePeer, from: Endpoint): Map<string, number> {
  const byZ = new Map<string, number>();
  for (const r of base.requestsFrom(from)) {
    const z = String(r.obj?.z);
    byZ.set(z, (byZ.get(z) ?? 0) + 1);
  }
  return byZ;
}

/** Real answers (not the original's stray second one) the double sent for z. */
const answersTo = (base: BasePeer, z: string) => base.sent.filter((s) => s.obj.z === z && !s.stray);

describe('a 30-minute session with original-like base peers (virtual time)', () => {
  it('the base bootstrap and the base chat host stay alive; each request of ours is sent once and answered once', async () => {
    const h = new SimHarness({ seed: 11, latencyMs: 5 });
    harness = h;
    const original = (host: string, role: 'peer' | 'bootstrap') =>
      startSimBasePeer(h.net, h.clock, { host, port: 7000 }, { original: true, role });
    const bootstrap = original('10.0.2.1', 'bootstrap');
    const host = original('10.0.2.2', 'peer');
    doubles.push(bootstrap, host);
    const chat = host.createChat('Lobby', 'hello from the original');
    bootstrap.addPeer({ natConeType: 'Full Cone', ip: '10.0.2.2', port: 7000 });

    // Our peers as shipped (abuse limits on), joining a little apart as real people would.
    const config = { bootstrapPeers: [bootstrap.endpoint()], guard: DEFAULT_GUARD };
    const a = h.addPeer({ config, start: false });
    const b = h.addPeer({ config, start: false });
    a.peer.start();
    h.clock.setTimeout(() => b.peer.start(), 2_300);

    // Each user, once a minute: refresh the host's chat list, read the chat, post to it.
    const failures: string[] = [];
    const sleep = (ms: number) => new Promise<void>((resolve) => h.clock.setTimeout(resolve, ms));
    const user = async (me: SimPeer, name: string, offsetMs: number) => {
      await sleep(offsetMs);
      for (let minute = 1; minute < 29; minute++) {
        try {
          const listed = await me.peer.refreshChats(host.endpoint());
          if (listed.error) failures.push(`${name} list: ${listed.error}`);
          await me.peer.readChat(host.endpoint(), chat.uuid);
          await me.peer.postMessage(host.endpoint(), chat.uuid, name, `${name} at minute ${minute}`);
        } catch (err) {
          failures.push(`${name} minute ${minute}: ${String(err)}`);
        }
        await sleep(MINUTE);
      }
    };
    const users = Promise.all([user(a, 'alice', MINUTE), user(b, 'bob', MINUTE + 17_000)]);

    const started = Date.now();
    await h.advance(SESSION_MS);
    await h.settle(users, 5 * MINUTE, 1_000); // the last user actions may still be under way
    // A sync round may have just started: its requests are answered at the base peers' next polls,
    // a registration (r/i) only after the original's ping back (up to 10 s).
    await h.advance(15_000);
    const realMs = Date.now() - started;

    expect(bootstrap.crashed).toBeUndefined();
    expect(host.crashed).toBeUndefined();
    expect(failures).toEqual([]);
    // Every post landed once, and both of our peers list the host's chat.
    const posted = host.chat(chat.uuid)?.messages.filter((m) => m.name === 'alice' || m.name === 'bob');
    expect(posted).toHaveLength(2 * 28);
    for (const me of [a, b]) {
      const known = me.peer.remoteChats().find((c) => c.host.host === '10.0.2.2');
      expect(known?.chats.map((c) => c.uuid)).toEqual([chat.uuid]);
    }

    for (const base of [bootstrap, host]) {
      for (const me of [a, b]) {
        const byZ = requestsByZ(base, me.endpoint);
        expect(byZ.size).toBeGreaterThan(30); // the session did talk to it all along
        // Only the very first ping (before we knew what it is) may have been sent again.
        const firstPing = base.requestsFrom(me.endpoint).find((r) => r.obj?.m === 'p')?.obj?.z;
        const resent = [...byZ].filter(([z, n]) => n !== 1 && z !== firstPing);
        expect(resent).toEqual([]);
        // One answer per datagram: every request of ours answered, none twice.
        const unanswered = [...byZ].filter(([z, n]) => answersTo(base, z).length !== n);
        expect(unanswered).toEqual([]);
      }
      // Its ping-backs to us were answered once each.
      const pings = base.sent.filter((s) => s.obj.m === 'p');
      for (const p of pings) expect(base.answersFor(String(p.obj.z))).toHaveLength(1);
    }
    expect(realMs).toBeLessThan(60_000);
  }, 120_000);
});
