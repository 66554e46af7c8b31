// A chat host answers from only the rows it sends: a request's cost follows the answer's size,
// not the chat's, whatever `limit` or `maxChatsLength` the requester asks for.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHAT_MAX_BYTES } from '../../src-shared/protocol/index.js';
import { countRowsRead } from '../../test/support/counting-store.js';
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
    const counting = countRowsRead(sqlite);
    const host = new ChatHost(counting.store, clock, ROOMY);
    const small = await chatOf(host, 10);
    const large = await chatOf(host, 10_000);

    counting.reset();
    const fromSmall = host.pageOfMessages(small, { after: 0, limit: 10_000, maxBytes: 512 }, TINY_PAGE);
    const smallRows = counting.rowsRead();
    counting.reset();
    const fromLarge = host.pageOfMessages(large, { after: 0, limit: 10_000, maxBytes: 512 }, TINY_PAGE);
    const largeRows = counting.rowsRead();

    expect(fromLarge?.more).toBe(true);
    expect(fromLarge?.messages.length).toBe(fromSmall?.messages.length);
    // The rows it sends and the one that did not fit.
    expect(largeRows).toBe((fromLarge?.messages.length ?? 0) + 1);
    expect(largeRows).toBe(smallRows);
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
    const counting = countRowsRead(sqlite);
    const host = new ChatHost(counting.store, clock, ROOMY);
    const large = await chatOf(host, 10_000);
    counting.reset();
    const answer = host.latestMessages(large, jsonBudget() - 64);
    expect(answer?.truncated).toBe(true);
    expect(answer?.messages.at(-1)?.content).toBe('message 9999');
    expect(counting.rowsRead()).toBe((answer?.messages.length ?? 0) + 1);
  });

  it('a g/c asking for a million chats reads only those that fit the answer', async () => {
    const counting = countRowsRead(sqlite);
    const host = new ChatHost(counting.store, clock, ROOMY);
    for (let i = 0; i < 300; i++) await host.createChat(`chat ${i}`, 'hi', 'alice');
    counting.reset();
    const listed = host.chats(1_000_000, TINY_PAGE);
    expect(listed.length).toBeGreaterThan(0);
    expect(counting.rowsRead()).toBe(listed.length + 1);
    expect(host.chats(2, jsonBudget())).toHaveLength(2);
  });
});
