// What hosts push, made whole for the `message` event. A push may carry only "read up to seq N"
// (a nudge: a post too big to push, or a gap after a lost push); here it is completed by reading
// what it lacks, so a script that watches `message` events (`--stdio`) gets every post once, with
// its content, as a window does. Events of one chat keep their order: a push that arrives while a
// nudge is being read waits behind it.
import { endpointKey } from '../../src-shared/endpoint.js';
import type { ChatMessage } from '../../src-shared/protocol/index.js';
import type { Endpoint } from '../core/ports.js';
import type { Pushed } from '../core/push/push-reader.js';
import type { ChatRead } from '../core/read-bounds.js';

export interface PushedMessagesDeps {
  /** Reads a chat after `afterSeq` without keeping a push subscription for it (NancePeer.readChatSince). */
  read(host: Endpoint, chatUuid: string, afterSeq: number): Promise<ChatRead>;
  /** Hands on a push, with its messages when they could be read. */
  emit(pushed: Pushed): void;
}

export class PushedMessages {
  /** Per chat ("host:port/uuid"): the tail of its chain of events, so they leave in order. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly deps: PushedMessagesDeps) {}

  take(pushed: Pushed): void {
    const key = `${endpointKey(pushed.host)}/${pushed.chatUuid}`;
    const tail = (this.tails.get(key) ?? Promise.resolve())
      .then(() => this.complete(pushed))
      .then((whole) => this.deps.emit(whole))
      .catch(() => {}); // emit's listeners are the service's; nothing here may break the chain
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
  }

  /**
   * A nudge with the messages it names (those after `afterSeq` up to `lastSeq`, no more: a later
   * one comes in its own push). When the read fails, the nudge goes on as it came: the window's
   * poll reads the rest.
   */
  private async complete(pushed: Pushed): Promise<Pushed> {
    if (pushed.messages.length > 0) return pushed;
    const { afterSeq, lastSeq } = pushed;
    let read: ChatRead;
    try {
      read = await this.deps.read(pushed.host, pushed.chatUuid, afterSeq);
    } catch {
      return pushed;
    }
    // A paged read starts after `afterSeq`; a whole chat (full) at seq 1.
    const first = read.full ? 1 : afterSeq + 1;
    const seqOf = (m: ChatMessage, i: number) => m.seq ?? first + i;
    const messages = read.messages.filter((m, i) => seqOf(m, i) > afterSeq && seqOf(m, i) <= lastSeq);
    // Only a complete run follows the cursor; anything less stays a nudge for the window to read.
    if (messages.length !== lastSeq - afterSeq) return pushed;
    return { ...pushed, messages };
  }
}
