// A nudge is completed by a read before it leaves as the `message` event: with exactly the messages
// it names (a later one comes in its own push, never twice), in order with the chat's other pushes,
// and unchanged when the read fails (the window's poll then reads).
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src-shared/protocol/index.js';
import { NanceError } from '../core/errors.js';
import type { Pushed } from '../core/push/push-reader.js';
import type { ChatRead } from '../core/read-bounds.js';
import { PushedMessages } from './pushed-messages.js';

const host = { host: '127.0.0.1', port: 4000 };
const message = (seq: number): ChatMessage => ({
  uuid: `m${seq}`,
  name: 'ann',
  content: `post ${seq}`,
  timestamp: '1700000000.000000',
  seq,
});
const push = (afterSeq: number, lastSeq: number, seqs: number[] = []): Pushed => ({
  host,
  chatUuid: 'c1',
  afterSeq,
  lastSeq,
  messages: seqs.map(message),
});

function setup(read: (afterSeq: number) => Promise<ChatRead>) {
  const emitted: Pushed[] = [];
  const pushed = new PushedMessages({
    read: (_h, _c, afterSeq) => read(afterSeq),
    emit: (p) => emitted.push(p),
  });
  const settled = () => new Promise((r) => setTimeout(r, 20));
  return { pushed, emitted, settled };
}

describe('PushedMessages', () => {
  it('fills a nudge with the messages it names, not the ones after (they come in their own push)', async () => {
    // The chat went on to seq 4 while the nudge "up to 3" was read.
    const { pushed, emitted, settled } = setup(async (after) => ({
      messages: [after + 1, after + 2, after + 3].map(message),
      lastSeq: 4,
      full: false,
    }));
    pushed.take(push(1, 3));
    pushed.take(push(3, 4, [4]));
    await settled();
    expect(emitted.map((p) => [p.afterSeq, p.lastSeq, p.messages.map((m) => m.seq)])).toEqual([
      [1, 3, [2, 3]],
      [3, 4, [4]],
    ]);
  });

  it('keeps a chat in order: a push that arrives while a nudge is read leaves after it', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { pushed, emitted, settled } = setup(async () => {
      await gate;
      return { messages: [message(2)], lastSeq: 2, full: false };
    });
    pushed.take(push(1, 2));
    pushed.take(push(2, 3, [3]));
    await settled();
    expect(emitted).toEqual([]);
    release();
    await settled();
    expect(emitted.map((p) => p.messages.map((m) => m.content))).toEqual([['post 2'], ['post 3']]);
  });

  it('passes the nudge on unchanged when the read fails or comes back short', async () => {
    const { pushed, emitted, settled } = setup(async (after) => {
      if (after === 1) throw new NanceError('timeout', 'no answer');
      return { messages: [message(after + 1)], lastSeq: after + 1, full: false };
    });
    pushed.take(push(1, 2));
    pushed.take(push(2, 5));
    await settled();
    expect(emitted).toEqual([push(1, 2), push(2, 5)]);
  });

  it('takes a whole-chat read (full) by position', async () => {
    const whole = [1, 2, 3].map((s) => ({ ...message(s), seq: undefined }));
    const { pushed, emitted, settled } = setup(async () => ({ messages: whole, lastSeq: 3, full: true }));
    pushed.take(push(1, 3));
    await settled();
    expect(emitted[0]?.messages.map((m) => m.content)).toEqual(['post 2', 'post 3']);
  });
});
