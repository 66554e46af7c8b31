// Push delivery must not make a host a reflector: an off-path attacker forges `u/s` subscribes
// whose source is a victim W, hoping V pushes every new message of a busy chat to W. V answers an
// unproven subscribe with nothing at all, so W receives not one byte, however many posts follow.
// The control: a reader that proves its address (echoes V's token) does get those posts pushed.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../src-main/core/ports.js';
import { cleanupAll, isBuilt, NanceProcess, suiteName } from '../cli/cli-harness.js';
import { decodeWire, encodeWire } from '../support/sim-harness.js';
import { Spoofer, spoofUnavailable } from '../support/spoof.js';

const why = !isBuilt ? 'needs the build (npm run build)' : spoofUnavailable();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A UDP socket on loopback that records every datagram it receives. */
async function listener(host: string) {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  const got: Record<string, unknown>[] = [];
  let bytes = 0;
  socket.on('message', (msg) => {
    bytes += msg.length;
    const { obj } = decodeWire(msg);
    if (obj) got.push(obj);
  });
  const at: Endpoint = { host, port: socket.address().port };
  return { socket, got, at, bytes: () => bytes };
}

describe.skipIf(why !== undefined)(suiteName('hostile: spoofed push subscriptions'), () => {
  let v: NanceProcess;
  let chatUuid: string;
  let spoofer: Spoofer;

  beforeAll(async () => {
    v = await NanceProcess.start();
    chatUuid = (await v.ok('createChat', { name: 'busy', message: 'hello', author: 'v' })).uuid;
    spoofer = new Spoofer();
  }, 60_000);

  afterAll(async () => {
    spoofer?.close();
    await cleanupAll();
  });

  const subscribe = (s: string, k?: string, after = 0) =>
    encodeWire({
      m: 'r',
      t: 'u',
      d: 's',
      a: { chatUuid, after, s },
      z: crypto.randomUUID(),
      ...(k === undefined ? {} : { k }),
    });

  it('a victim named by forged subscribes (no token, a made-up token) receives nothing while the chat gets posts', async () => {
    const victim = await listener('127.0.0.2');
    try {
      for (let i = 0; i < 20; i++) {
        spoofer.send(
          subscribe(`spoofed-${i}`, i % 2 === 0 ? undefined : `forged_${i}`),
          victim.at,
          v.address,
        );
      }
      await spoofer.flushed();
      await sleep(200);
      for (let i = 0; i < 10; i++)
        await v.ok('postMessage', { host: null, chatUuid, name: 'v', content: `post ${i}` });
      await sleep(1_500); // any push and its resend would have gone out by now
      expect(victim.bytes()).toBe(0);
    } finally {
      victim.socket.close();
    }
  }, 30_000);

  it('control: a reader that proves its address gets the same posts pushed', async () => {
    const reader = await listener('127.0.0.3');
    try {
      reader.socket.send(
        encodeWire({ m: 'p', z: 'ping-1', k: '0'.repeat(48) }),
        v.address.port,
        v.address.host,
      );
      await sleep(300);
      const k = (reader.got.find((o) => o.z === 'ping-1')?.c as { nance?: { k?: string } })?.nance?.k;
      expect(typeof k).toBe('string');
      // Subscribed from where it has read up to (the chat's end): the next post is pushed whole.
      const { lastSeq } = await v.ok('readChat', { host: null, chatUuid });
      reader.socket.send(subscribe('honest-reader', k, lastSeq), v.address.port, v.address.host);
      await sleep(300);
      await v.ok('postMessage', { host: null, chatUuid, name: 'v', content: 'for the honest reader' });
      await sleep(300);
      const pushes = reader.got.filter((o) => o.t === 'u' && o.d === 'p');
      expect(
        pushes.map((o) => (o.a as { messages?: { content: string }[] }).messages?.[0]?.content),
      ).toContain('for the honest reader');
    } finally {
      reader.socket.close();
    }
  }, 30_000);
});
