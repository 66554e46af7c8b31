// The hostile-network bench (docs/benchmarks.md, "Hostile network"): what an attacker on loopback
// gets out of a stock `nance` CLI peer (abuse limits on), one line per attack.
//   1. amplification: forged base `g/m` requests naming a live victim as their source (it answers
//      any ping, Nance-style or base-style) → bytes the victim receives ÷ the attacker's bytes;
//   2. n/p reflection: `n/p` from a registered stranger, and with the bootstrap's address forged
//      (raw socket, root) → knocks at the address it names, per n/p;
//   3. hostile host: a "host" that answers every page with `more: true`, a new seq and 60 KB →
//      the reader's RSS growth and the time until readChat returns;
//   4. CPU flood: a proven requester sending the costliest paged g/m (huge limit, tiny maxBytes)
//      at its per-source limit → an unrelated client's ping p50/p99/lost, against no flood.
//   node bench/hostile-bench.mjs [--quick]      (after npm run build)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isBuilt, openSocket, rssKb, startNance } from './hardening-lib.mjs';

if (!isBuilt) {
  console.error('build first: npm run build');
  process.exit(1);
}
const quick = process.argv.includes('--quick');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const enc = (obj) => Buffer.from(Buffer.from(JSON.stringify(obj), 'utf8').toString('base64'), 'latin1');
const dec = (buf) => {
  try {
    return JSON.parse(Buffer.from(buf.toString('latin1'), 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : Number.NaN;
};
const NANCE_AD = (k = 'x_0000000000000000000000') => ({
  nance: { v: 1, ext: ['page', 'proof', 'punch'], role: 'peer', nat: 'Open Internet', k },
});

/** A socket that answers pings (Nance-style or bare) and counts what arrives. */
async function liveSocket(host, { nance }) {
  const socket = await openSocket(host);
  const got = { bytes: 0, datagrams: 0, answers: 0, knocks: 0, from: new Map() };
  socket.on('message', (msg, rinfo) => {
    got.bytes += msg.length;
    got.datagrams++;
    const obj = dec(msg);
    if (obj?.m === 'p')
      socket.send(enc({ m: 'R', r: 0, c: nance ? NANCE_AD() : {}, z: obj.z }), rinfo.port, rinfo.address);
    else if (obj?.m === 'R') got.answers++;
    else if (obj?.t === 'n' && obj?.d === 'k') got.knocks++;
  });
  return { socket, got, at: { host, port: socket.address().port } };
}

async function fillChat(peer, posts) {
  const chat = await peer.ok('createChat', { name: 'big', message: 'x'.repeat(2000), author: 'v' });
  for (let i = 0; i < posts; i++)
    await peer.ok('postMessage', { host: null, chatUuid: chat.uuid, name: 'v', content: 'y'.repeat(2000) });
  return chat.uuid;
}

// ---------------------------------------------------------------- 1. amplification
async function amplification() {
  console.log('\n1. amplification: forged base g/m (a ~48 KB answer each) naming a live victim');
  console.log('victim | forged requests | bytes in | bytes to victim | ratio | full answers');
  const v = await startNance();
  try {
    const chatUuid = await fillChat(v, 22);
    for (const [label, nance] of [
      ['Nance-style', true],
      ['base-style', false],
    ]) {
      for (const count of quick ? [40] : [40, 400]) {
        const victim = await liveSocket('127.0.0.2', { nance });
        // The victim is a peer V knows: it registered (V pinged it back and read its advertisement).
        victim.socket.send(
          enc({ m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z: 'reg' }),
          v.udp.port,
          v.udp.host,
        );
        await sleep(600);
        victim.got.bytes = 0;
        victim.got.answers = 0;
        let forged = 0;
        for (let i = 0; i < count; i++) {
          // From the victim's own socket: on the wire exactly a spoofed datagram (source = victim).
          const d = enc({ m: 'r', t: 'g', d: 'm', a: { chatUuid }, z: crypto.randomUUID() });
          forged += d.length;
          victim.socket.send(d, v.udp.port, v.udp.host);
          await sleep(25);
        }
        await sleep(2500);
        console.log(
          `${label} | ${count} | ${forged} | ${victim.got.bytes} | ${(victim.got.bytes / forged).toFixed(2)}x | ${victim.got.answers}`,
        );
        victim.socket.close();
      }
    }
  } finally {
    await v.stop();
  }
}

// ---------------------------------------------------------------- 2. n/p reflection
function spoofer() {
  if (process.getuid?.() !== 0) return undefined;
  const child = spawn('python3', [
    '-u',
    fileURLToPath(new URL('../test/support/spoof-sender.py', import.meta.url)),
  ]);
  child.on('error', () => {});
  return {
    send: (payload, as, to) =>
      child.stdin.write(
        `${JSON.stringify({ src: as.host, sport: as.port, dst: to.host, dport: to.port, hex: payload.toString('hex') })}\n`,
      ),
    close: () => child.kill(),
  };
}

async function punchReflection() {
  console.log('\n2. n/p reflection: knocks at an address the n/p names (3 s after each n/p)');
  console.log('sender | n/p sent | knocks at target | knocks per n/p');
  const boot = await startNance({ args: ['--bootstrap'] });
  const v = await startNance({
    args: ['--bootstrap-peer', `${boot.udp.host}:${boot.udp.port}`, '--sync-interval', '500'],
  });
  try {
    await sleep(1500);
    const target = await liveSocket('127.0.0.3', { nance: false });
    const np = (i) =>
      enc({
        m: 'r',
        t: 'n',
        d: 'p',
        a: { ip: target.at.host, port: target.at.port, token: `tok-${i}-0123456789` },
        z: crypto.randomUUID(),
      });
    // A stranger that registered with V (and answers its ping-back like one of ours).
    const stranger = await liveSocket('127.0.0.4', { nance: true });
    stranger.socket.send(
      enc({ m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z: crypto.randomUUID() }),
      v.udp.port,
      v.udp.host,
    );
    await sleep(1500);
    const n = 5;
    for (let i = 0; i < n; i++) stranger.socket.send(np(i), v.udp.port, v.udp.host);
    await sleep(3500);
    console.log(`registered stranger | ${n} | ${target.got.knocks} | ${(target.got.knocks / n).toFixed(1)}`);
    const spoof = spoofer();
    if (!spoof) console.log('bootstrap forged | skipped (needs root for a raw socket)');
    else {
      const before = target.got.knocks;
      for (let i = 0; i < n; i++) spoof.send(np(100 + i), boot.udp, v.udp);
      await sleep(3500);
      console.log(
        `bootstrap forged (raw socket) | ${n} | ${target.got.knocks - before} | ${((target.got.knocks - before) / n).toFixed(1)}`,
      );
      spoof.close();
    }
    target.socket.close();
    stranger.socket.close();
  } finally {
    await v.stop();
    await boot.stop();
  }
}

// ---------------------------------------------------------------- 3. hostile host
async function hostileHost() {
  console.log('\n3. hostile host: every page answered with more: true and the next seqs, forever');
  console.log('pages | readChat result | returned after | reader RSS before → peak (growth) | pages served');
  const big = 'z'.repeat(1000);
  // ~44 KB pages (far over the 1,200 bytes asked), or valid one-message pages that never end.
  for (const [label, perPage] of [
    ['40 messages (~44 KB)', 40],
    ['1 message (valid size)', 1],
  ]) {
    const host = await openSocket('127.0.0.5');
    let served = 0;
    host.on('message', (msg, rinfo) => {
      const obj = dec(msg);
      const reply = (c) => host.send(enc({ m: 'R', r: 0, c, z: obj.z }), rinfo.port, rinfo.address);
      if (obj?.m === 'p') reply(NANCE_AD());
      else if (obj?.t === 'g' && obj?.d === 'm') {
        served++;
        const after = Number(obj.a?.after ?? 0);
        const messages = Array.from({ length: perPage }, (_, i) => ({
          uuid: crypto.randomUUID(),
          name: 'h',
          content: big,
          timestamp: '1732412345.123456',
          seq: after + 1 + i,
        }));
        reply({ messages, more: true });
      }
    });
    const reader = await startNance();
    try {
      const before = rssKb(reader.pid);
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssKb(reader.pid) ?? 0);
      }, 100);
      const t0 = Date.now();
      const reply = await reader
        .call('readChat', { host: { host: '127.0.0.5', port: host.address().port }, chatUuid: 'c1' }, 60_000)
        .catch((e) => ({ ok: false, error: { message: String(e) } }));
      const took = Date.now() - t0;
      clearInterval(sampler);
      const result = reply.ok ? 'returned messages' : `error: ${reply.error?.kind ?? '?'}`;
      console.log(
        `${label} | ${result} | ${(took / 1000).toFixed(1)} s | ${(before / 1024).toFixed(0)} → ${(peak / 1024).toFixed(0)} MB (+${((peak - before) / 1024).toFixed(0)} MB) | ${served}`,
      );
    } finally {
      host.close();
      await reader.stop();
    }
  }
}

// ---------------------------------------------------------------- 4. CPU flood
async function cpuFlood() {
  console.log('\n4. CPU flood: costliest paged g/m (limit 10000, maxBytes 512) from one proven source');
  console.log('flood rate | unrelated ping p50 | p99 | lost of N | flood answers');
  const v = await startNance();
  try {
    const chatUuid = await fillChat(v, quick ? 100 : 280);
    const ping = await openSocket('127.0.0.6');
    const flooder = await openSocket('127.0.0.7');
    // The flooder proves its address first: the worst case is a requester the guard cannot refuse.
    const k = await new Promise((resolve) => {
      flooder.once('message', (msg) => resolve(dec(msg)?.c?.nance?.k));
      flooder.send(enc({ m: 'p', z: 'k', k: '0'.repeat(48) }), v.udp.port, v.udp.host);
    });
    let answers = 0;
    flooder.on('message', () => answers++);
    for (const rate of quick ? [0, 150] : [0, 150, 450]) {
      answers = 0;
      const seconds = quick ? 3 : 6;
      const stop = Date.now() + seconds * 1000;
      const flood = rate
        ? setInterval(() => {
            for (let i = 0; i < rate / 50; i++)
              flooder.send(
                enc({
                  m: 'r',
                  t: 'g',
                  d: 'm',
                  a: { chatUuid, after: 0, limit: 10000, maxBytes: 512 },
                  z: crypto.randomUUID(),
                  k,
                }),
                v.udp.port,
                v.udp.host,
              );
          }, 20)
        : undefined;
      const rtts = [];
      let lost = 0;
      let sent = 0;
      while (Date.now() < stop) {
        sent++;
        const z = crypto.randomUUID();
        const t0 = process.hrtime.bigint();
        const rtt = await new Promise((resolve) => {
          const timer = setTimeout(() => {
            ping.off('message', on);
            resolve(undefined);
          }, 1000);
          const on = (msg) => {
            if (dec(msg)?.z !== z) return;
            clearTimeout(timer);
            ping.off('message', on);
            resolve(Number(process.hrtime.bigint() - t0) / 1e6);
          };
          ping.on('message', on);
          ping.send(enc({ m: 'p', z }), v.udp.port, v.udp.host);
        });
        if (rtt === undefined) lost++;
        else rtts.push(rtt);
        await sleep(50);
      }
      if (flood) clearInterval(flood);
      await sleep(300);
      console.log(
        `${rate}/s | ${pct(rtts, 50).toFixed(2)} ms | ${pct(rtts, 99).toFixed(2)} ms | ${lost} of ${sent} | ${answers}`,
      );
    }
    ping.close();
    flooder.close();
  } finally {
    await v.stop();
  }
}

const only = process.argv.find((a) => /^--only=/.test(a))?.slice(7);
for (const [name, run] of Object.entries({ amplification, punchReflection, hostileHost, cpuFlood })) {
  if (!only || only === name) await run();
}
