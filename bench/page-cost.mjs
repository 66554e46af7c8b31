// CPU per chat read on the host side (issue 11, finding 5): µs per answer of a paged g/m asking
// for limit=10000 with maxBytes=512, of one asking for limit=1, of a base g/m and of a g/c, on a
// full chat (819,200-byte cap). "before" reproduces the old read (every requested row, then cut
// to the budget); "after" is ChatHost as built. Baseline: a plain SELECT of one row.
// Needs `npm run build`. Usage: node bench/page-cost.mjs [--iterations N]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const built = (p) => import(path.join(root, 'build', p));
const { SqliteStore } = await built('src-main/store/sqlite-store.js');
const { ChatHost, toWireMessage } = await built('src-main/core/chat-host.js');
const { fitting, jsonBudget } = await built('src-main/core/wire-size.js');

const arg = process.argv.indexOf('--iterations');
const iterations = arg > 0 ? Number(process.argv[arg + 1]) : 2000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-page-cost-'));
const store = SqliteStore.open({ path: path.join(dir, 'bench.db'), now: Date.now });
const clock = { now: Date.now, setTimeout: () => ({ cancel() {} }) };
const host = new ChatHost(store, clock);
try {
  // Fill one chat to the cap with short messages: the most rows a chat can have.
  const chat = await host.createChat('full', 'm0', 'a');
  for (let full = false, i = 1; !full; ) {
    const batch = await Promise.all(Array.from({ length: 500 }, () => host.post(chat.uuid, 'a', `m${i++}`)));
    full = batch.some((r) => r.status === 'full');
  }
  const { messageCount, jsonBytes } = store.getChat(chat.uuid);
  const envelope = 64 + 38; // a UUID z
  const tiny = jsonBudget(512) - envelope;
  const datagram = jsonBudget() - envelope;
  const page = (limit, maxBytes) => ({ after: 0, limit, ...(maxBytes ? { maxBytes } : {}) });

  // The read as it was: every requested row (limit + 1), then the budget.
  const before = {
    paged: (limit, budget) => {
      const rows = store.listMessages(chat.uuid, 0, limit + 1).map((m) => toWireMessage(m, true));
      return fitting(rows.slice(0, limit), budget);
    },
    base: (budget) => {
      const all = store.listMessages(chat.uuid, 0, messageCount).map((m) => toWireMessage(m));
      return fitting(all.reverse(), budget).reverse();
    },
  };
  const Database = (await import('better-sqlite3')).default;
  const probe = new Database(path.join(dir, 'bench.db'), { readonly: true });
  const select = probe.prepare(
    'SELECT uuid, name, content, created_at FROM messages WHERE chat_uuid = ? AND seq = 1',
  );

  const cases = [
    ['baseline: SELECT of one row', () => select.get(chat.uuid)],
    ['before: paged limit=10000 maxBytes=512', () => before.paged(10_000, tiny)],
    ['after:  paged limit=10000 maxBytes=512', () => host.pageOfMessages(chat.uuid, page(10_000, 512), tiny)],
    ['before: paged limit=1', () => before.paged(1, datagram)],
    ['after:  paged limit=1', () => host.pageOfMessages(chat.uuid, page(1), datagram)],
    ['before: base g/m (newest that fit)', () => before.base(datagram)],
    ['after:  base g/m (newest that fit)', () => host.latestMessages(chat.uuid, datagram)],
    ['after:  g/c maxChatsLength=1000000', () => host.chats(1_000_000, datagram)],
  ];
  console.log(`chat: ${messageCount} messages, ${jsonBytes} bytes of JSON; ${iterations} iterations each`);
  for (const [name, run] of cases) {
    for (let i = 0; i < Math.min(200, iterations); i++) run(); // warm-up
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) run();
    const us = Number(process.hrtime.bigint() - t0) / 1000 / iterations;
    console.log(`${name.padEnd(42)} ${us.toFixed(1).padStart(9)} µs/request`);
  }
  probe.close();
} finally {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
