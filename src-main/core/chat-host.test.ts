// A chat host answers from only the rows it sends: a request's cost follows the answer's size,
// not the chat's, whatever `limit` or `maxChatsLength` the requester asks for.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHAT_MAX_BYTES } from '../../src-shared/protocol/index.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { ChatHost } from './chat-host.js';
import type { Clock } from './ports.js';
import { jsonBudget } from './wire-size.js';

const clock: Clock = { now: () => 1_700_000_000_000, setTimeout: () => ({ cancel() {} }) };
let sqlite: SqliteStore;
beforeEach(() => {
  sqlite = SqliteStore.open({ path: ':memory:', now: clock.now });
});
afterEach(() => sqlite.close());

/** A chat of `count` messages, posted in one batch. */
async function chatOf(host: ChatHost, count: number): Promise<string> {
  const chat = await host.createChat('big', 'message 0', 'alice');
  const posts = await Promise.all(
    Array.from({ length: count - 1 }, (_, i) => host.post(chat.uuid, 'alice', `message ${i + 1}`)),
  );
  if (!posts.every((p) => p.status === 'stored')) throw new Error('the chat filled up');
  return chat.uuid;
}

/** A cap that holds 10,000 short messages (the real one holds ~5,000 of these). */
const ROOMY = 10 * CHAT_MAX_BYTES;

/** The g/m budget for a 512-byte datagram (the smallest maxBytes a page may ask for). */
const TINY_PAGE = jsonBudget(512) - 64;

describe('ChatHost reads only what it answers', () => {
  it('a paged g/m with limit 10,000 and a tiny maxBytes reads about as many rows in a 10,000-message chat as in a 10-message one', async () => {
    const host = new ChatHost(sqlite, clock, ROOMY);
    const small = await chatOf(host, 10);
    const large = await chatOf(host, 10_000);

    let mark = sqlite.rowsRead;
    const fromSmall = host.pageOfMessages(small, { after: 0, limit: 10_000, maxBytes: 512 }, TINY_PAGE);
    const smallRows = sqlite.rowsRead - mark;
    mark = sqlite.rowsRead;
    const fromLarge = host.pageOfMessages(large, { after: 0, limit: 10_000, maxBytes: 512 }, TINY_PAGE);
    const largeRows = sqlite.rowsRead - mark;

    expect(fromLarge?.more).toBe(true);
    expect(fromLarge?.messages.length).toBe(fromSmall?.messages.length);
    // One small chunk (8 rows), in either chat.
    expect(largeRows).toBe(smallRows);
    expect(largeRows).toBeLessThanOrEqual(8);
  });

  it('a page after the cursor continues exactly where the last one stopped', async () => {
    const host = new ChatHost(sqlite, clock, ROOMY);
    const chat = await chatOf(host, 50);
    const seen: number[] = [];
    let after = 0;
    for (let more = true; more; ) {
      const page = host.pageOfMessages(chat, { after, limit: 7 }, TINY_PAGE);
      if (!page) throw new Error('chat vanished');
      seen.push(...page.messages.map((m) => m.seq as number));
      after = seen.at(-1) ?? after;
      more = page.more;
    }
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('a page whose first message alone exceeds the budget still carries that message', async () => {
    const host = new ChatHost(sqlite, clock, ROOMY);
    const chat = await host.createChat('c', 'x'.repeat(600), 'alice');
    await host.post(chat.uuid, 'bob', 'short');
    const page = host.pageOfMessages(chat.uuid, { after: 0, limit: 10 }, TINY_PAGE);
    expect(page?.messages.map((m) => m.seq)).toEqual([1]);
    expect(page?.more).toBe(true);
  });

  it('a base g/m of a large chat reads only the newest rows that fit one datagram', async () => {
    const host = new ChatHost(sqlite, clock, ROOMY);
    const large = await chatOf(host, 10_000);
    const mark = sqlite.rowsRead;
    const answer = host.latestMessages(large, jsonBudget() - 64);
    expect(answer?.truncated).toBe(true);
    expect(answer?.messages.at(-1)?.content).toBe('message 9999');
    const sent = answer?.messages.length ?? 0;
    expect(sent).toBeLessThan(1000);
    // Chunks double up to 256 rows: never more than one chunk past what it sends.
    expect(sqlite.rowsRead - mark).toBeLessThanOrEqual(sent + 256);
  });

  it('a g/c asking for a million chats reads only those that fit the answer', async () => {
    const host = new ChatHost(sqlite, clock, ROOMY);
    for (let i = 0; i < 300; i++) await host.createChat(`chat ${i}`, 'hi', 'alice');
    const mark = sqlite.rowsRead;
    const listed = host.chats(1_000_000, TINY_PAGE);
    expect(listed.length).toBeGreaterThan(0);
    expect(sqlite.rowsRead - mark).toBeLessThanOrEqual(8);
    expect(host.chats(2, jsonBudget())).toHaveLength(2);
  });
});
