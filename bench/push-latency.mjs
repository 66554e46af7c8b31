// Post -> visible in ANOTHER reader's window (issue 13, "Must show"): a bootstrap, a host, a poster
// and two readers, each a `bin/nance.js` process on 127.0.0.1. The poster posts N messages to the
// host's chat through the network; we time each from the moment the post command is written until
//   - window: the text is in the DOM of reader R's window (the web host in Debian's Chromium; a
//     MutationObserver calls back into this process), with push delivery;
//   - event:  R's `--stdio` prints the contract's `message` event carrying it (push delivery);
//   - poll:   reader P, driven like the window without push (readChat with its cursor every
//     700 ms), gets it in a read: the baseline, in the same run.
// Needs `npm run build` (and /usr/bin/chromium for the window column; without it, that column is
// skipped). Usage: node bench/push-latency.mjs [--posts 200] [--gap-ms 50] [--profile [--cpu-prof F]] [--dump F].
// --profile also splits the window's time (post -> the page's WebSocket -> the row in the DOM) and
// prints the page's main-thread work per push (React commits and components rendered, mutations of
// rows already shown, long tasks, Chromium's script/layout/style ms), net of an idle stretch of the
// same page (test/support/window-probe.mjs); --cpu-prof F saves the page's CPU profile over the
// posts (component names need an unminified renderer: `npx vite build --minify false`); --dump F
// writes each post's times (acknowledged, event, window) as JSON, to find what the tail shares.
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { isBuilt, spawnCli } from '../test/support/spawn-cli.mjs';
import {
  installProbe,
  readProbe,
  threadMetrics,
  watchRows,
  workBetween,
} from '../test/support/window-probe.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const POSTS = arg('--posts', 200);
const GAP_MS = arg('--gap-ms', 50);
const PROFILE = process.argv.includes('--profile');
const CPU_PROFILE = process.argv.includes('--cpu-prof')
  ? process.argv[process.argv.indexOf('--cpu-prof') + 1]
  : null;
const DUMP = process.argv.includes('--dump') ? process.argv[process.argv.indexOf('--dump') + 1] : null;
const POLL_MS = 700;
const CHROMIUM = '/usr/bin/chromium';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Wall-clock ms: the window records when it showed a message in its own process (Date.now() there).
const now = () => Date.now();

if (!isBuilt) {
  console.error('build/ is missing: run npm run build first');
  process.exit(1);
}

const dirs = [];
const children = [];
async function start(label, extra = []) {
  const dir = await mkdtemp(path.join(os.tmpdir(), `nance-push-${label}-`));
  dirs.push(dir);
  const args = ['--host', '127.0.0.1', '--port', '0', '--data-dir', dir, '--stdio', '--no-stun'];
  args.push('--log-level', 'warn', '--sync-interval', '300', ...extra);
  const events = [];
  const cli = await spawnCli({
    args,
    label,
    onLine: (_line, msg) => msg?.event && events.push({ at: now(), msg }),
  });
  children.push(cli);
  return { cli, events };
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) };
}
const fmt = (s) =>
  s.n === 0
    ? 'no samples'
    : `n=${s.n}  p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  max ${s.max.toFixed(1)} ms`;

/** --profile: where the window's time goes, and the page's work per push net of idle. */
async function printProfile(page, cdp, idle, postedAt) {
  const p2 = await readProbe(page);
  const m2 = await threadMetrics(cdp);
  const pushes = Object.keys(p2.shown).length;
  const idleMs = idle.p1.now - idle.p0.now;
  const postMs = p2.now - idle.p1.now;
  const idleWork = workBetween(idle.p0, idle.p1, idle.m0, idle.m1, idleMs / postMs);
  const postWork = workBetween(idle.p1, p2, idle.m1, m2, 1);
  const net = {};
  for (const key of [
    'commits',
    'oldRowMutations',
    'scriptMs',
    'layoutMs',
    'styleMs',
    'taskMs',
    'layouts',
    'styles',
  ]) {
    net[key] = Number(((postWork[key] - idleWork[key]) / pushes).toFixed(3));
  }
  const renders = {};
  for (const [name, n] of Object.entries(postWork.renders)) {
    const d = (n - (idleWork.renders[name] ?? 0)) / pushes;
    if (d > 0.01) renders[name] = Number(d.toFixed(2));
  }
  const stage = (from, to) =>
    fmt(
      stats(
        [...postedAt.keys()]
          .filter((n) => from(n) !== undefined && to(n) !== undefined)
          .map((n) => to(n) - from(n)),
      ),
    );
  console.log('  --profile: the window split');
  console.log(
    `    post -> page WebSocket frame:  ${stage(
      (n) => postedAt.get(n),
      (n) => p2.frames[n],
    )}`,
  );
  console.log(
    `    WebSocket frame -> row in DOM: ${stage(
      (n) => p2.frames[n],
      (n) => p2.shown[n],
    )}`,
  );
  console.log(
    `  --profile: page work per push (net of ${(idleMs / 1000).toFixed(0)} s idle; ${pushes} pushes shown)`,
  );
  console.log(`    ${JSON.stringify(net)}`);
  console.log(`    components rendered per push: ${JSON.stringify(renders)}`);
  console.log(
    `    long tasks: idle ${idleWork.longTasks} (${idleWork.longTaskMs.toFixed(0)} ms), posting ${postWork.longTasks} (${postWork.longTaskMs.toFixed(0)} ms)`,
  );
  const idleRenders = {};
  for (const [name, n] of Object.entries(
    workBetween(idle.p0, idle.p1, idle.m0, idle.m1, idleMs / 1000).renders,
  ))
    idleRenders[name] = n;
  console.log(`    idle, renders per second: ${JSON.stringify(idleRenders)}`);
}

let browser;
try {
  const boot = await start('boot', ['--bootstrap']);
  const join = ['--bootstrap-peer', `127.0.0.1:${boot.cli.ready.udp.port}`];
  const host = await start('host', join);
  const poster = await start('poster', join);
  const reader = await start('reader', [...join, '--web', '0']);
  const poller = await start('poller', join);
  const hostAt = { host: '127.0.0.1', port: host.cli.ready.udp.port };
  const chat = await host.cli.ok('createChat', { name: 'bench', message: 'hello', author: 'host' });
  const chatUuid = chat.uuid;

  // Reader R's window: onboarded, open on the chat, watching the DOM for "bench <n>".
  const seenInWindow = new Map();
  if (existsSync(CHROMIUM)) {
    await reader.cli.ok('updateSettings', { displayName: 'reader', onboarded: true });
    // The chat list shows the host's chat after a sync round.
    for (let t = 0; t < 100; t++) {
      const list = await reader.cli.ok('listChats', {});
      if (list.hosts.some((h) => h.chats.some((c) => c.uuid === chatUuid))) break;
      await sleep(100);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    const page = await browser.newPage();
    if (PROFILE) await installProbe(page);
    await page.goto(reader.cli.ready.web);
    await page.getByTestId('chat-item').filter({ hasText: 'bench' }).first().click();
    await page.getByTestId('message-content').filter({ hasText: 'hello' }).waitFor();
    // Every mutation: scan the shown messages (a re-render may reuse nodes, not add them), and
    // note the time in the page, collected at the end (no round trip to this process per message).
    await page.evaluate(() => {
      window.benchSeen = {};
      new MutationObserver(() => {
        const at = Date.now();
        for (const el of document.querySelectorAll('[data-testid="message-content"]')) {
          const m = /^bench (\d+)$/.exec(el.textContent?.trim() ?? '');
          if (m && window.benchSeen[m[1]] === undefined) window.benchSeen[m[1]] = at;
        }
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    if (PROFILE) await watchRows(page);
  } else {
    console.log(`window column skipped: ${CHROMIUM} is not installed`);
  }

  // Reader R over stdio (the window's contract): one read subscribes it.
  const first = await reader.cli.ok('readChat', { host: hostAt, chatUuid });
  let live = first.live;
  for (let t = 0; t < 50 && !live; t++) {
    await sleep(100);
    live = (await reader.cli.ok('readChat', { host: hostAt, chatUuid, afterSeq: first.lastSeq })).live;
  }
  console.log(`reader subscribed: ${live}`);

  // Reader P: the window's poll without push (every 700 ms, from its cursor).
  const seenByPoll = new Map();
  let polling = true;
  const pollLoop = (async () => {
    let cursor = (await poller.cli.ok('readChat', { host: hostAt, chatUuid })).lastSeq;
    while (polling) {
      const started = now();
      const read = await poller.cli.ok('readChat', { host: hostAt, chatUuid, afterSeq: cursor });
      const at = now();
      for (const m of read.messages) {
        const n = /^bench (\d+)$/.exec(m.content);
        if (n && !seenByPoll.has(Number(n[1]))) seenByPoll.set(Number(n[1]), at);
      }
      cursor = read.lastSeq;
      await sleep(Math.max(0, POLL_MS - (now() - started)));
    }
  })();
  await sleep(POLL_MS);

  // --profile: the page's work over an idle stretch first (the clock tick, the fallback poll),
  // then over the posts; per push is the difference.
  let cdp;
  let idle;
  if (PROFILE && browser) {
    const page = browser.contexts()[0].pages()[0];
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const p0 = await readProbe(page);
    const m0 = await threadMetrics(cdp);
    await sleep(10_000);
    idle = { p0, m0, p1: await readProbe(page), m1: await threadMetrics(cdp) };
  }

  const postedAt = new Map();
  const acked = [];
  if (cdp && CPU_PROFILE) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  for (let n = 1; n <= POSTS; n++) {
    postedAt.set(n, now());
    await poster.cli.ok('postMessage', { host: hostAt, chatUuid, name: 'poster', content: `bench ${n}` });
    acked.push(now() - postedAt.get(n));
    await sleep(GAP_MS + Math.random() * GAP_MS);
  }
  if (cdp && CPU_PROFILE) {
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(CPU_PROFILE, JSON.stringify(profile));
    console.log(`the page's CPU profile over the posts: ${CPU_PROFILE} (Chromium DevTools opens it)`);
  }
  await sleep(2 * POLL_MS + 500);
  polling = false;
  await pollLoop;

  if (browser) {
    const page = browser.contexts()[0].pages()[0];
    for (const [n, at] of Object.entries(await page.evaluate(() => window.benchSeen))) {
      seenInWindow.set(Number(n), at);
    }
  }
  const seenByEvent = new Map();
  for (const { at, msg } of reader.events) {
    if (msg.event !== 'message' || !msg.payload?.pushed) continue;
    for (const m of msg.payload.pushed.messages) {
      const n = /^bench (\d+)$/.exec(m.content);
      if (n && !seenByEvent.has(Number(n[1]))) seenByEvent.set(Number(n[1]), at);
    }
  }
  const latencies = (seen) => [...postedAt].filter(([n]) => seen.has(n)).map(([n, t]) => seen.get(n) - t);
  console.log(
    `post -> visible in another reader, ${POSTS} posts on loopback (${GAP_MS}-${2 * GAP_MS} ms apart)`,
  );
  if (browser) console.log(`  window (Chromium DOM, push):  ${fmt(stats(latencies(seenInWindow)))}`);
  console.log(`  contract event (stdio, push):  ${fmt(stats(latencies(seenByEvent)))}`);
  console.log(`  the poster's own acknowledgement: ${fmt(stats(acked))}`);
  console.log(`  poll every ${POLL_MS} ms (baseline):   ${fmt(stats(latencies(seenByPoll)))}`);
  if (idle) await printProfile(browser.contexts()[0].pages()[0], cdp, idle, postedAt);
  if (DUMP) {
    const rows = [...postedAt].map(([n, t], i) => ({
      n,
      ack: acked[i],
      event: seenByEvent.has(n) ? seenByEvent.get(n) - t : null,
      window: seenInWindow.has(n) ? seenInWindow.get(n) - t : null,
    }));
    writeFileSync(DUMP, JSON.stringify(rows));
    console.log(`  per-post times (ms after the post command): ${DUMP}`);
  }
  const missing = (seen) => POSTS - [...postedAt.keys()].filter((n) => seen.has(n)).length;
  console.log(
    `  not seen: window ${browser ? missing(seenInWindow) : '-'}, event ${missing(seenByEvent)}, poll ${missing(seenByPoll)}`,
  );
} finally {
  await browser?.close();
  for (const c of children) c.child.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}
