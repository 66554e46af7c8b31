// Reach in the NAT lab (issue 15): a host behind a router that forgets an idle UDP flow after 30 s
// (nv-r-t30) and a client behind two NATs, a carrier-grade NAT in front of a home router
// (nv-r-cgn -> nv-r-home). Both sync only every 2 minutes, so while they idle only keepalives cross
// the 30 s router: the chat must stay reachable after 90 s idle, and the host's registration with
// the bootstrap must survive too (a newcomer on a public host is still introduced to it).
// Its own lab (prefix nv-, NZLAB_REACH=1), always taken down. Root only; skipped with one line.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB, labSkipReason } from './lab-support.js';
import { findHost, Peer, pathOf } from './matrix.mjs';

const run = promisify(execFile);
const LAB_DIR = path.join(os.tmpdir(), 'nance-natlab-reach-test');
const ENV = { ...process.env, NZLAB_DIR: LAB_DIR, NZLAB_PREFIX: 'nv-', NZLAB_REACH: '1' };
/** Longer than the router's 30 s: sync rounds do not keep the bindings, keepalives must. */
const SLOW_SYNC_MS = 120_000;
const IDLE_MS = 90_000;

const reason = labSkipReason(ENV);
const suite = reason ? describe.skip : describe;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

suite(`NAT lab: 30 s router and carrier-grade NAT${reason ? ` [skipped: ${reason}]` : ''}`, () => {
  const peers: Peer[] = [];
  let host: Peer;
  let client: Peer;
  let chatUuid = '';
  let hostAt: { host: string; port: number } | undefined;

  const peer = async (name: string, ns: string) => {
    const p = new Peer(name, ns, mkdtempSync(path.join(LAB_DIR, `${name}-`)), {
      syncIntervalMs: SLOW_SYNC_MS,
    });
    peers.push(p);
    await p.start();
    return p;
  };

  /** Refreshes until the host's chat is listed; the hosts[] entry. */
  const listed = async (p: Peer, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await p.call('refreshChats', {}, 30_000).catch(() => undefined);
      const entry = findHost(await p.call('listChats', {}, 10_000), chatUuid);
      if (entry) return entry;
      if (Date.now() > deadline) throw new Error(`chat not listed within ${timeoutMs} ms`);
      await sleep(1000);
    }
  };

  /** Posts through `p` and waits until the host has it; ms taken. */
  const postSeen = async (p: Peer, content: string) => {
    const t0 = Date.now();
    await p.call('postMessage', { host: hostAt, chatUuid, name: 'client', content }, 20_000);
    for (;;) {
      const { messages } = await host.call('readChat', { host: null, chatUuid }, 10_000);
      if (messages.some((m: { content: string }) => m.content === content)) return Date.now() - t0;
      if (Date.now() - t0 > 15_000) throw new Error(`the host does not have "${content}" after 15 s`);
      await sleep(250);
    }
  };

  beforeAll(async () => {
    await run('bash', [LAB, 'up'], { env: ENV, timeout: 120_000 });
    host = await peer('host-t30', 'nv-h-t30');
    client = await peer('client-cgn', 'nv-h-cgn');
    chatUuid = (await host.call('createChat', { name: 'behind 30 s', message: 'hello', author: 'host' }))
      .uuid;
  }, 180_000);

  afterAll(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    await run('bash', [LAB, 'down'], { env: ENV, timeout: 60_000 }).catch(() => undefined);
  }, 90_000);

  it('the double-NAT host knows its NAT: port-restricted, public at the carrier-grade NAT', () => {
    expect(client.ready?.natType).toBe('Port Restricted Cone');
    expect(client.ready?.publicAddress?.host).toBe('198.51.100.27');
    expect(host.ready?.publicAddress?.host).toBe('198.51.100.26');
  });

  it('the double-NAT host lists, reads and posts to the chat behind the 30 s router (punched)', async () => {
    const entry = await listed(client, 40_000);
    hostAt = { host: entry.host.host, port: entry.host.port };
    const { messages } = await client.call('readChat', { host: hostAt, chatUuid }, 20_000);
    expect(messages.map((m: { content: string }) => m.content)).toContain('hello');
    await postSeen(client, 'first post');
    const pathKind = pathOf(findHost(await client.call('listChats'), chatUuid));
    console.log(`double NAT -> 30 s router: path ${pathKind}`);
    expect(pathKind).toBe('punched');
  }, 90_000);

  it('after 90 s idle the chat is still reachable, punched', async () => {
    expect(hostAt, 'the first post went through').toBeDefined();
    await sleep(IDLE_MS);
    const ms = await postSeen(client, 'after 90 s idle');
    const after = findHost(await client.call('listChats'), chatUuid)?.path;
    console.log(
      `post after ${IDLE_MS / 1000} s idle seen by the host in ${ms} ms; path ${JSON.stringify(after)}`,
    );
    expect(after?.kind).toBe('punched');
  }, 150_000);

  it("the host's registration survived the idle time: a newcomer is introduced to it", async () => {
    expect(hostAt, 'the first post went through').toBeDefined();
    const newcomer = await peer('newcomer-open', 'nv-h-open');
    const entry = await listed(newcomer, 30_000);
    const at = { host: entry.host.host, port: entry.host.port };
    const { messages } = await newcomer.call('readChat', { host: at, chatUuid }, 20_000);
    expect(messages.map((m: { content: string }) => m.content)).toContain('after 90 s idle');
  }, 90_000);
});
