// Issue 11, finding 9: Nance must not crash original peers. Two of our CLI peers (the built
// program, as users run it) join through an original-like base bootstrap and sync, list, read and
// post to an original-like base peer's chat for ~20 s of real time on 127.0.0.1. The original
// answers on a 0.5 s poll and segfaults on two store requests in flight; the double does the same
// (test/interop/base-peer.ts, `original: true`) and records it.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAll, eventually, isBuilt, NanceProcess, suiteName } from '../cli/cli-harness.js';
import { BasePeer } from '../interop/base-peer.js';

const SESSION_MS = 20_000;
/** Short rounds: more chances for a burst than the default 15 s would give in 20 s. */
const SYNC_MS = 2_000;

describe.skipIf(!isBuilt)(suiteName('our CLI peers next to original-like base peers'), () => {
  const doubles: BasePeer[] = [];
  afterAll(async () => {
    await cleanupAll();
    for (const d of doubles) await d.close();
  });

  it('the base bootstrap and the base chat host never crash in a 20 s session with two of our peers', async () => {
    const bootstrap = await BasePeer.start({ original: true, role: 'bootstrap' });
    const host = await BasePeer.start({ original: true });
    doubles.push(bootstrap, host);
    const chat = host.createChat('Lobby', 'hello from the original');
    bootstrap.addPeer({ natConeType: 'Full Cone', ip: host.endpoint().host, port: host.endpoint().port });
    const boot = `${bootstrap.endpoint().host}:${bootstrap.endpoint().port}`;

    const peers = await Promise.all(
      ['alice', 'bob'].map(() =>
        NanceProcess.start({ bootstrapPeers: [boot], syncIntervalMs: SYNC_MS, extraArgs: ['--no-stun'] }),
      ),
    );
    const deadline = Date.now() + SESSION_MS;
    const errors: string[] = [];
    let posted = 0;
    const user = async (me: NanceProcess, name: string) => {
      // Our peer lists the host's chat once it learned the host from the bootstrap.
      const listed = await eventually(async () => {
        const list = await me.ok('listChats', {});
        return (
          list.hosts.some((h) => h.host.port === host.endpoint().port && h.chats.length > 0) || undefined
        );
      }, `${name} to list the base host's chat`).catch((err: unknown) => errors.push(String(err)));
      if (listed !== true) return;
      for (let i = 0; Date.now() < deadline; i++) {
        const at = { host: host.endpoint(), chatUuid: chat.uuid };
        const read = await me.call('readChat', at);
        if (!read.ok) errors.push(`${name} read: ${read.error.message}`);
        const post = await me.call('postMessage', { ...at, name, content: `${name} ${i}` });
        if (post.ok) posted++;
        else errors.push(`${name} post: ${post.error.message}`);
      }
    };
    await Promise.all([user(peers[0] as NanceProcess, 'alice'), user(peers[1] as NanceProcess, 'bob')]);

    expect(bootstrap.crashed).toBeUndefined();
    expect(host.crashed).toBeUndefined();
    expect(errors).toEqual([]);
    expect(posted).toBeGreaterThan(4);
    const landed = host.chat(chat.uuid)?.messages.filter((m) => m.name === 'alice' || m.name === 'bob');
    expect(landed).toHaveLength(posted);
  }, 60_000);
});
