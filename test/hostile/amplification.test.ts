// Finding 1 of the hostile-network issue, on real sockets: an off-path attacker forges small base
// `g/m` requests whose source is a live peer W (it answers any ping, as every peer does). Before
// the fix V pinged W, W answered, and V sent W every full answer: 388× the attacker's bytes. Now
// only a request that echoes W's address token is proven; W never asked, so it gets at most 3×
// (a peer of ours, which V knows sends `k` with every request) or 3× plus the documented allowance
// for base readers (an original peer, which cannot prove), however many requests are forged.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AMPLIFICATION } from '../../src-main/core/guard/amplification.js';
import type { Endpoint } from '../../src-main/core/ports.js';
import { cleanupAll, isBuilt, NanceProcess, suiteName } from '../cli/cli-harness.js';
import { decodeWire, encodeWire } from '../support/sim-harness.js';
import { Spoofer, spoofUnavailable } from '../support/spoof.js';

const why = !isBuilt ? 'needs the build (npm run build)' : spoofUnavailable();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A live peer on 127.0.0.2 that answers every ping (as a Nance peer, or bare as a base peer) and counts what V sends it. */
async function liveVictim(nance: boolean) {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.2', resolve));
  const got = { bytes: 0, answers: 0, pings: 0, registered: false };
  socket.on('message', (msg, rinfo) => {
    got.bytes += msg.length;
    const { obj } = decodeWire(msg);
    if (obj?.m === 'p') {
      got.pings++;
      const c = nance
        ? {
            nance: {
              v: 1,
              ext: ['page', 'proof'],
              role: 'peer',
              nat: 'Open Internet',
              k: 'x_0000000000000000000000',
            },
          }
        : {};
      socket.send(encodeWire({ m: 'R', r: 0, c, z: obj.z }), rinfo.port, rinfo.address);
    } else if (obj?.m === 'R' && obj.z === 'reg') got.registered = true;
    else if (obj?.m === 'R') got.answers++;
  });
  const { port } = socket.address();
  return { socket, got, at: { host: '127.0.0.2', port } as Endpoint };
}

describe.skipIf(why !== undefined)(suiteName('hostile: amplification through a live victim'), () => {
  let v: NanceProcess;
  let chatUuid: string;
  let spoofer: Spoofer;

  beforeAll(async () => {
    v = await NanceProcess.start();
    // A chat whose base g/m answer is ~48 KB: what the attacker wants reflected.
    const chat = await v.ok('createChat', { name: 'big', message: 'x'.repeat(2000), author: 'v' });
    chatUuid = chat.uuid;
    for (let i = 0; i < 22; i++)
      await v.ok('postMessage', { host: null, chatUuid, name: 'v', content: 'y'.repeat(2000) });
    spoofer = new Spoofer();
  }, 60_000);

  afterAll(async () => {
    spoofer?.close();
    await cleanupAll();
  });

  it.each([
    ['a Nance victim', true],
    ['a base victim', false],
  ])(
    '%s gets at most 3× the forged bytes (plus the allowance for a base victim)',
    async (_, nance) => {
      const victim = await liveVictim(nance);
      try {
        // W is a peer V knows: it registered, V pinged it back and read its advertisement.
        victim.socket.send(
          encodeWire({ m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z: 'reg' }),
          v.address.port,
          v.address.host,
        );
        // The ping-back goes at once, the registration's answer once it is stored; on a loaded
        // machine either may take a moment (counted after the reset, that answer failed the test).
        for (let waited = 0; !victim.got.registered && waited < 3_000; waited += 50) await sleep(50);
        expect(victim.got.pings).toBeGreaterThan(0);
        expect(victim.got.registered).toBe(true);
        victim.got.bytes = 0;
        victim.got.answers = 0;
        let forged = 0;
        for (let i = 0; i < 40; i++) {
          const datagram = encodeWire({ m: 'r', t: 'g', d: 'm', a: { chatUuid }, z: crypto.randomUUID() });
          forged += datagram.length;
          spoofer.send(datagram, victim.at, v.address);
          await sleep(25);
        }
        await spoofer.flushed();
        await sleep(2500); // every resend and held answer would have gone out by now
        const seconds = 4;
        const allowance =
          DEFAULT_AMPLIFICATION.allowanceBurst + DEFAULT_AMPLIFICATION.allowancePerSecond * seconds;
        expect(victim.got.bytes).toBeLessThanOrEqual(3 * forged + (nance ? 0 : allowance));
        // Before the fix: 40 full answers (~2.6 MB). Now none to a peer of ours, one or two to a base one.
        expect(victim.got.answers).toBeLessThanOrEqual(nance ? 0 : 2);
      } finally {
        victim.socket.close();
      }
    },
    30_000,
  );
});
