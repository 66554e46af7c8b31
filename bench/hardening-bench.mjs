#!/usr/bin/env node
// Hardening figures in one run (needs the build; the loss part needs root, ip netns and nft):
//   1. loss rate → post success %, duplicates, full-chat (819,200 B) load time — real namespaces
//      joined by a veth, nftables dropping N % of incoming UDP in each (both directions);
//   2. flood → p99 ping latency of a well-behaved client beside a flooding source, vs no flood;
//   3. amplification → bytes the peer sent to a spoofed source ÷ bytes "it" sent (requests for a
//      full chat from a socket on 127.0.0.2 that never answers anything).
//   node bench/hardening-bench.mjs [--quick]
import { canUseNetns, codec, lossRun, openSocket, startNance } from './hardening-lib.mjs';

const quick = process.argv.includes('--quick');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const b64 = (obj) => Buffer.from(Buffer.from(JSON.stringify(obj), 'utf8').toString('base64'), 'latin1');
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

// ---------------------------------------------------------------- 1. loss
async function lossTable() {
  const why = canUseNetns();
  if (why) {
    console.log(`loss: skipped (${why})`);
    return;
  }
  console.log('loss (namespaces + nftables, loss applied in both directions; 200 posts, 8 in flight):');
  console.log(
    'loss % | posts acked % | via outbox | failed | duplicates | accepted but missing | post time | full-chat load',
  );
  for (const lossPercent of [0, 5, 10, 20]) {
    const r = await lossRun({
      lossPercent,
      posts: quick ? 50 : 200,
      concurrency: 8,
      tag: String(4000 + lossPercent),
    });
    console.log(
      `${lossPercent} | ${((100 * r.acked) / r.posts).toFixed(1)} | ${r.pending} | ${r.failed} | ${r.duplicates} | ${r.missingAcked} | ` +
        `${(r.postMs / 1000).toFixed(1)} s | ${r.loadedMessages}/${r.chatMessages} msgs (${r.chatBase64Bytes} B) in ${(r.loadMs / 1000).toFixed(1)} s` +
        (r.loadError ? ` ERROR ${JSON.stringify(r.loadError)}` : ''),
    );
  }
}

// ---------------------------------------------------------------- 2. flood
async function pingLatencies(target, seconds, perSecond) {
  const { decodeDatagram } = await codec();
  const socket = await openSocket();
  const sentAt = new Map();
  const lat = [];
  socket.on('message', (msg) => {
    const d = decodeDatagram(new Uint8Array(msg));
    if (d.kind === 'response' && sentAt.has(d.z)) {
      lat.push(Number(process.hrtime.bigint() - sentAt.get(d.z)) / 1e6);
      sentAt.delete(d.z);
    }
  });
  const n = seconds * perSecond;
  for (let i = 0; i < n; i++) {
    const z = `good-${i}-${'0'.repeat(26)}`;
    sentAt.set(z, process.hrtime.bigint());
    socket.send(b64({ m: 'p', z }), target.port, target.host);
    await sleep(1000 / perSecond);
  }
  await sleep(500);
  socket.close();
  return { sent: n, answered: lat.length, p50: pct(lat, 50), p99: pct(lat, 99) };
}

async function flood(target, seconds, stop) {
  const socket = await openSocket();
  let answered = 0;
  let sent = 0;
  socket.on('message', () => answered++);
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end && !stop.now) {
    for (let i = 0; i < 200; i++) {
      socket.send(b64({ m: 'p', z: `flood-${sent++}-${'0'.repeat(24)}` }), target.port, target.host);
    }
    await new Promise((r) => setImmediate(r));
  }
  await sleep(300);
  socket.close();
  return { sent, answered, seconds };
}

async function floodTable() {
  const host = await startNance({ args: ['--log-level', 'warn'] });
  try {
    const secs = quick ? 3 : 8;
    const base = await pingLatencies(host.udp, secs, 100);
    const stop = { now: false };
    const f = flood(host.udp, secs + 1, stop);
    await sleep(300);
    const under = await pingLatencies(host.udp, secs, 100);
    stop.now = true;
    const fl = await f;
    console.log(
      'flood (one source blasting pings at 127.0.0.1; a well-behaved client pings 100/s beside it):',
    );
    console.log(
      `no flood: ${base.answered}/${base.sent} answered, p50 ${base.p50.toFixed(2)} ms, p99 ${base.p99.toFixed(2)} ms`,
    );
    console.log(
      `flood ${Math.round(fl.sent / fl.seconds)}/s (answered ${fl.answered}, ${Math.round(fl.answered / fl.seconds)}/s): ` +
        `${under.answered}/${under.sent} answered, p50 ${under.p50.toFixed(2)} ms, p99 ${under.p99.toFixed(2)} ms ` +
        `→ p99 ratio ${(under.p99 / base.p99).toFixed(2)}×`,
    );
  } finally {
    await host.stop();
  }
}

// ---------------------------------------------------------------- 3. amplification
async function amplificationTable() {
  const host = await startNance({ args: ['--log-level', 'warn'] });
  try {
    const chat = await host.ok('createChat', { name: 'big', message: 'start', author: 'a' });
    for (let i = 0; i < 5000; i++) {
      const r = await host.call('postMessage', {
        host: null,
        chatUuid: chat.uuid,
        name: 'f',
        content: `${i} ${'z'.repeat(700)}`,
      });
      if (!r.ok) break;
    }
    // The "victim": a socket on another loopback address that never answers anything.
    const victim = await openSocket('127.0.0.2');
    let bytesIn = 0;
    let datagramsIn = 0;
    victim.on('message', (msg) => {
      bytesIn += msg.length;
      datagramsIn++;
    });
    let bytesOut = 0;
    const requests = quick ? 50 : 200;
    for (let i = 0; i < requests; i++) {
      const req =
        i % 2 === 0
          ? { m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid }, z: crypto.randomUUID() }
          : {
              m: 'r',
              t: 'g',
              d: 'm',
              a: { chatUuid: chat.uuid, after: 0, limit: 1000, maxBytes: 65_507 },
              z: crypto.randomUUID(),
            };
      const dg = b64(req);
      bytesOut += dg.length;
      victim.send(dg, host.udp.port, host.udp.host);
      await sleep(20);
    }
    await sleep(3000); // validation pings time out
    victim.close();
    console.log('amplification (g/m for a full 819,200-byte chat from 127.0.0.2, which never answers):');
    console.log(
      `${requests} requests, ${bytesOut} B sent to the peer; the peer sent back ${datagramsIn} datagrams, ${bytesIn} B ` +
        `→ ratio ${(bytesIn / bytesOut).toFixed(2)} (limit 3; without the rule one answer alone is ~65,000 B, ratio ~${Math.round(65_000 / (bytesOut / requests))})`,
    );
  } finally {
    await host.stop();
  }
}

console.log(`hardening bench ${new Date().toISOString()} node ${process.version}${quick ? ' (quick)' : ''}`);
await floodTable();
await amplificationTable();
await lossTable();
