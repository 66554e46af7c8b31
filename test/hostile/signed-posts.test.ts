// Issue 12, "Signed posts", on real sockets: an off-path attacker forges the source address of a
// post carrying the chat owner's name. Before keys, the owner's window showed it as the owner's own
// (mine was decided by name). Now it is stored unsigned and shown unsigned, not as the owner's;
// and a forged signature in the owner's name is refused outright.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageDto } from '../../src-shared/api.js';
import { cleanupAll, isBuilt, NanceProcess, suiteName } from '../cli/cli-harness.js';
import { encodeWire } from '../support/sim-harness.js';
import { Spoofer, spoofUnavailable } from '../support/spoof.js';

const why = !isBuilt ? 'needs the build (npm run build)' : spoofUnavailable();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(why !== undefined)(suiteName('hostile: a spoofed post in the owner’s name'), () => {
  let owner: NanceProcess;
  let chatUuid: string;
  let spoofer: Spoofer;
  const forgedSource = { host: '127.0.0.3', port: 4242 };

  const read = async () =>
    ((await owner.ok('readChat', { host: null, chatUuid })) as { messages: MessageDto[] }).messages;

  beforeAll(async () => {
    owner = await NanceProcess.start();
    const chat = await owner.ok('createChat', { name: 'room', message: 'welcome', author: 'Owner' });
    chatUuid = chat.uuid;
    spoofer = new Spoofer();
  }, 60_000);

  afterAll(async () => {
    spoofer?.close();
    await cleanupAll();
  });

  it('stores an unsigned post from a forged source as unsigned, and the owner does not count it as its own', async () => {
    const post = {
      m: 'r',
      t: 's',
      d: 'm',
      a: { chatUuid, name: 'Owner', content: 'I am the owner' },
      z: 'sp1',
    };
    spoofer.send(encodeWire(post), forgedSource, owner.address);
    await spoofer.flushed();
    await sleep(500);
    const messages = await read();
    expect(messages.map((m) => [m.name, m.content, m.mine, m.author === null])).toEqual([
      ['Owner', 'welcome', true, false],
      ['Owner', 'I am the owner', false, true],
    ]);
    const [own] = messages;
    expect(own?.author?.fingerprint).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
  });

  it("refuses a post that claims the owner's key with a signature it cannot make", async () => {
    const before = (await read()).length;
    const [own] = await read();
    const ownerKey = own?.author?.key as string;
    const author = { k: ownerKey, s: 'A'.repeat(86), t: (Date.now() / 1000).toFixed(6) };
    const post = {
      m: 'r',
      t: 's',
      d: 'm',
      a: { chatUuid, name: 'Owner', content: 'signed, supposedly', author },
      z: 'sp2',
    };
    spoofer.send(encodeWire(post), forgedSource, owner.address);
    await spoofer.flushed();
    await sleep(500);
    expect(await read()).toHaveLength(before);
  });
});
