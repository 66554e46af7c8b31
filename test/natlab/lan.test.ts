// LAN discovery and roaming in namespaces (test/natlab/lan-lab.sh, prefix nl-; docs/nat.md, "LAN
// and roaming"), with real CLI peers:
//   - three peers on one bridge, no bootstrap, list each other's chats within 10 s, and a fourth
//     with --no-lan-discovery is neither found nor finds anyone;
//   - two peers behind one router that does not hairpin, joined through a public bootstrap, chat
//     directly over the LAN (their public addresses do not reach each other);
//   - a peer that hosts a chat, behind a NAT, moves its uplink to another router mid-chat: its
//     reader's posts reach it again within 10 s of the switch (only because it noticed, detected
//     its NAT again and re-registered), every post stored exactly once.
// Root only; skipped with one reason line otherwise. The lab is always taken down.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labSkipReason, ROOT } from './lab-support.js';
import { Peer, pathOf } from './matrix.mjs';

const LANLAB = path.join(ROOT, 'test', 'natlab', 'lan-lab.sh');
const ENV = { ...process.env, NLLAB_PREFIX: 'nl-', NLLAB_DIR: path.join(os.tmpdir(), 'nance-lanlab-test') };
const skip = labSkipReason(process.env);
const BOOTSTRAP = '198.51.100.10:3490';

const lab = (cmd: string) =>
  execFileSync('bash', [LANLAB, cmd], { env: ENV, stdio: 'pipe', timeout: 60_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dataRoot: string;
const running: Peer[] = [];

async function startPeer(name: string, opts: { bootstrap?: string | null; args?: string[] } = {}) {
  const peer = new Peer(name, `nl-${name}`, mkdtempSync(path.join(dataRoot, `${name}-`)), {
    bootstrap: opts.bootstrap ?? null,
    syncIntervalMs: 2_000,
    extraArgs: opts.args ?? [],
  });
  running.push(peer);
  await peer.start();
  return peer;
}

async function stopAll() {
  await Promise.all(running.splice(0).map((p) => p.stop()));
}

// biome-ignore lint/suspicious/noExplicitAny: ChatListDto, as the CLI answers it
type Listing = any;

/** Polls `listChats` until `check` holds; resolves with the listing and the time it took. */
async function waitForListing(peer: Peer, check: (l: Listing) => boolean, ms: number) {
  const started = Date.now();
  let last: Listing;
  while (Date.now() - started < ms) {
    last = await peer.call('listChats');
    if (check(last)) return { listing: last, ms: Date.now() - started };
    await sleep(250);
  }
  throw new Error(
    `${peer.name}: not listed within ${ms} ms; last: ${JSON.stringify(last?.hosts)}${peer.tail()}`,
  );
}

const hostOf = (l: Listing, chatName: string) =>
  l.hosts.find((h: Listing) => h.chats.some((c: Listing) => c.name === chatName));

describe.skipIf(skip)(`LAN discovery and roaming (lab)${skip ? `: skipped, ${skip}` : ''}`, () => {
  beforeAll(() => {
    dataRoot = mkdtempSync(path.join(os.tmpdir(), 'nance-lanlab-data-'));
    lab('up');
  }, 90_000);
  afterAll(async () => {
    await stopAll();
    lab('down');
    rmSync(dataRoot, { recursive: true, force: true });
  }, 60_000);

  it('three peers on one bridge, no bootstrap, find each other and chat within 10 s; --no-lan-discovery stays unseen', async () => {
    const names = ['a', 'b', 'c'];
    const peers = await Promise.all(names.map((n) => startPeer(n, { args: ['--no-stun'] })));
    const hermit = await startPeer('d', { args: ['--no-stun', '--no-lan-discovery'] });
    await Promise.all(
      peers.map((p, i) =>
        p.call('createChat', { name: `chat-${names[i]}`, message: 'hi', author: names[i] }),
      ),
    );
    await hermit.call('createChat', { name: 'chat-d', message: 'hi', author: 'd' });
    const t0 = Date.now();
    await Promise.all(
      peers.map((p, i) =>
        waitForListing(
          p,
          (l) => names.filter((_, j) => j !== i).every((n) => hostOf(l, `chat-${n}`)),
          10_000,
        ),
      ),
    );
    const found = Date.now() - t0;
    // Each reads and posts to the next one's chat over the LAN.
    for (const [i, p] of peers.entries()) {
      const next = names[(i + 1) % 3] as string;
      const l = await p.call('listChats');
      const h = hostOf(l, `chat-${next}`);
      expect(h.host.host).toMatch(/^10\.77\.0\./);
      expect(pathOf(h)).toBe('direct');
      const chat = h.chats.find((c: Listing) => c.name === `chat-${next}`);
      await p.call('postMessage', {
        host: h.host,
        hostKey: h.hostKey,
        chatUuid: chat.uuid,
        name: names[i],
        content: `from ${names[i]}`,
      });
    }
    for (const [i, p] of peers.entries()) {
      const mine = (await p.call('listChats')).mine[0];
      const read = await p.call('readChat', { host: null, chatUuid: mine.uuid });
      const prev = names[(i + 2) % 3];
      expect(read.messages.map((m: Listing) => m.content)).toEqual(['hi', `from ${prev}`]);
    }
    // The hermit announced nothing: nobody probed it; and it probed nobody.
    await sleep(1_000);
    for (const p of peers) expect(hostOf(await p.call('listChats'), 'chat-d')).toBeUndefined();
    expect((await hermit.call('listChats')).hosts).toEqual([]);
    console.log(`LAN: three peers listed each other's chats in ${found} ms`);
    await stopAll();
  }, 60_000);

  it('two peers behind one router that does not hairpin chat directly over the LAN', async () => {
    const host = await startPeer('a', { bootstrap: BOOTSTRAP });
    const client = await startPeer('b', { bootstrap: BOOTSTRAP });
    const status = await client.call('getStatus');
    expect(status.publicAddress?.host).toBe('198.51.100.21');
    const chat = await host.call('createChat', { name: 'neighbours', message: 'hi', author: 'a' });
    const { listing, ms } = await waitForListing(
      client,
      (l) => hostOf(l, 'neighbours') !== undefined,
      15_000,
    );
    const h = hostOf(listing, 'neighbours');
    // Listed at its LAN address, reached directly: the router's public address does not hairpin.
    expect(h.host.host).toBe('10.77.0.11');
    expect(pathOf(h)).toBe('direct');
    await client.call('postMessage', {
      host: h.host,
      hostKey: h.hostKey,
      chatUuid: chat.uuid,
      name: 'b',
      content: 'over the LAN',
    });
    const read = await host.call('readChat', { host: null, chatUuid: chat.uuid });
    expect(read.messages.map((m: Listing) => m.content)).toEqual(['hi', 'over the LAN']);
    // And it stays so over sync rounds (2 s): the neighbour's public address, which the bootstrap
    // lists, is neither reached through a relay nor listed beside the LAN one.
    await sleep(6_000);
    const later = await client.call('listChats');
    expect(later.hosts.map((x: Listing) => `${x.host.host} ${pathOf(x)}`)).toEqual(['10.77.0.11 direct']);
    console.log(`one router, no hairpin: listed at ${JSON.stringify(h.host)} (${pathOf(h)}) after ${ms} ms`);
    await stopAll();
  }, 60_000);

  it('a host whose uplink moves to another router mid-chat is reached again within 10 s, nothing lost or doubled', async () => {
    // The roaming peer HOSTS the chat, behind a port-restricted NAT before and after the switch: its
    // reader reaches it only through a hole the bootstrap arranges (rendezvous), at the public
    // address the host registered. After the switch the old address leads nowhere, so the reader's
    // posts get through again only once the host has noticed the change, detected its NAT again and
    // re-registered at its new address (without the network watch it would do so in 5 min: rejoinMs).
    const reader = await startPeer('pub', { bootstrap: BOOTSTRAP, args: ['--host', '198.51.100.30'] });
    const mover = await startPeer('m', { bootstrap: BOOTSTRAP });
    expect((await mover.call('getStatus')).publicAddress?.host).toBe('198.51.100.21');
    const chat = await mover.call('createChat', { name: 'roaming', message: 'start', author: 'm' });
    const { listing } = await waitForListing(reader, (l) => hostOf(l, 'roaming') !== undefined, 15_000);
    const h = hostOf(listing, 'roaming');
    expect(h.host.host).toBe('198.51.100.21');
    const ref = { host: h.host, hostKey: h.hostKey, chatUuid: chat.uuid };
    const post = (n: number) =>
      reader.call('postMessage', { ...ref, name: 'pub', content: `post ${n}` }, 30_000);
    for (let n = 1; n <= 5; n++) await post(n);
    const expected = ['start', ...Array.from({ length: 10 }, (_, i) => `post ${i + 1}`)];
    const stored = async () =>
      (await mover.call('readChat', { host: null, chatUuid: chat.uuid })).messages.map(
        (m: Listing) => m.content,
      ) as string[];
    expect(await stored()).toEqual(expected.slice(0, 6));

    lab('roam');
    const switched = Date.now();
    // Noticed: the host detects its NAT again (the new router's address); measured while posting.
    const noticed = (async () => {
      while (Date.now() - switched < 10_000) {
        if ((await mover.call('getStatus')).publicAddress?.host === '198.51.100.22')
          return Date.now() - switched;
        await sleep(100);
      }
      return undefined;
    })();
    // Posted right away: the reader's outbox holds what the old address cannot take, and resends.
    for (let n = 6; n <= 10; n++) await post(n);
    const postedMs = Date.now() - switched;
    let contents: string[] = [];
    while (Date.now() - switched < 10_000) {
      contents = await stored();
      if (contents.length >= expected.length) break;
      await sleep(250);
    }
    const resumedMs = Date.now() - switched;
    // Every post exactly once at the host (the outbox may deliver a held one after a later one)...
    expect([...contents].sort()).toEqual([...expected].sort());
    expect(resumedMs).toBeLessThan(10_000);
    const noticedMs = await noticed;
    expect(noticedMs).toBeDefined();
    // ...and the reader reads the same chat through the host's new address: the same posts, once.
    const read = await reader.call('readChat', ref, 15_000);
    expect([...read.messages.map((m: Listing) => m.content)].sort()).toEqual([...expected].sort());
    const after = await reader.call('listChats');
    const moved = after.hosts.filter((x: Listing) => x.hostKey === h.hostKey);
    expect(moved.map((x: Listing) => x.host.host)).toEqual(['198.51.100.22']);
    console.log(
      `roaming host: NAT re-detected ${noticedMs} ms after the switch; posts 6-10 returned after ${postedMs} ms; ` +
        `all 10 stored once, ` +
        `the last ${resumedMs} ms after the switch (path now ${pathOf(moved[0])})`,
    );
  }, 90_000);
});
