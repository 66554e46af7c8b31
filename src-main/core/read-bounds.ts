// The limits a paged chat read stays within whatever the host answers (docs/protocol.md, "How our
// client reads"): a hostile host that always says `more: true` must not keep a reader busy or
// growing forever. Every limit is set so an honest host of ours never reaches it.
import type { ChatMessage } from '../../src-shared/protocol/index.js';
import { base64Length, CHAT_MAX_BYTES } from '../../src-shared/protocol/index.js';
import { MAX_AUTHOR_FIELD_BYTES, MAX_MESSAGE_JSON_BYTES, maxListBytes } from './chat-host.js';
import { NanceError } from './errors.js';
import type { Clock } from './ports.js';
import { jsonLength } from './wire-size.js';

/** What one read of a chat returns. */
export interface ChatRead {
  /** In `seq` order. */
  messages: ChatMessage[];
  /** The last `seq` known after this read (= the chat's message count): the next read's cursor. */
  lastSeq: number;
  /** `messages` is the whole chat (read from the start, or from a base host that cannot page). */
  full: boolean;
}

/** Time a whole read may take, unless the peer's configuration says otherwise. */
export const DEFAULT_READ_DEADLINE_MS = 30_000;

/** When a read must be over: fixed once per read, so a retry over a new path shares it. */
export interface ReadDeadline {
  clock: Clock;
  at: number;
  ms: number;
}

export function readDeadline(clock: Clock, ms: number = DEFAULT_READ_DEADLINE_MS): ReadDeadline {
  return { clock, at: clock.now() + ms, ms };
}

/** The JSON of the smallest message an honest host stores: a UUID, empty texts, a 17-char timestamp. */
const MIN_MESSAGE_JSON_BYTES = jsonLength({
  uuid: '00000000-0000-4000-8000-000000000000',
  name: '',
  content: '',
  timestamp: '1732412345.123456',
});
/** Most messages a chat under the cap can hold (each costs its JSON and a comma). */
export const MAX_CHAT_MESSAGES = Math.ceil(maxListBytes(CHAT_MAX_BYTES) / (MIN_MESSAGE_JSON_BYTES + 1));
/**
 * Pages one read may take: an honest page carries at least one new message, plus the few empty
 * pages the workers in flight may ask past the chat's end.
 */
export const MAX_READ_PAGES = MAX_CHAT_MESSAGES + 64;
/** `,"seq":1234567`: what paging adds to each message's JSON. */
const SEQ_FIELD_BYTES = 14;
/**
 * JSON bytes of message lists one read may receive, not counting signed posts' `author` fields
 * (the cap counts messages in their base form; each page holds few authors): a full chat's list,
 * each message's `seq`, and the brackets of every page.
 */
export const MAX_READ_JSON_BYTES =
  maxListBytes(CHAT_MAX_BYTES) + MAX_CHAT_MESSAGES * SEQ_FIELD_BYTES + 2 * MAX_READ_PAGES;

/** `,"author":{…}` of the signed messages of a page (those whose author passed the schema). */
function authorBytes(valid: ChatMessage[]): number {
  let bytes = 0;
  for (const m of valid)
    if (m.author) bytes += Math.min(MAX_AUTHOR_FIELD_BYTES, jsonLength({ author: m.author }) - 1);
  return bytes;
}

export class BadHostError extends NanceError {
  constructor(where: string, why: string) {
    super('bad-host', `${where}: invalid answer (${why})`);
  }
}

/**
 * One read's account: every page answer passes `accept`, which refuses (with 'bad-host') a page
 * over the size asked, messages outside the range asked or out of order, and a read past the page
 * or byte limits; `check` refuses to go on after the deadline or a refusal.
 */
export class ReadBudget {
  private pages = 0;
  private bytes = 0;
  private failure: unknown;

  constructor(
    private readonly where: string,
    private readonly maxPageBytes: number,
    private readonly deadline: ReadDeadline,
  ) {}

  /** Throws the read's failure, if it has one (a refused page elsewhere, or the deadline). */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.deadline.clock.now() >= this.deadline.at) this.fail(this.timeout());
  }

  /** Ends the read: every later `check` throws the first failure, which this returns. */
  stop(err: unknown): unknown {
    this.failure ??= err;
    return this.failure;
  }

  fail(err: unknown): never {
    throw this.stop(err);
  }

  timeout(): NanceError {
    return new NanceError('timeout', `${this.where}: not finished within ${this.deadline.ms / 1000} s`);
  }

  /**
   * Checks the raw `messages` list of a page answer to a request for the `limit` messages after
   * `after` (`valid`: its entries that passed the schema). Returns `valid` once every one carries
   * a `seq` in that range, in increasing order.
   */
  accept(raw: unknown[], valid: ChatMessage[], after: number, limit: number): ChatMessage[] {
    this.check();
    this.pages += 1;
    if (this.pages > MAX_READ_PAGES)
      this.fail(new BadHostError(this.where, `more than ${MAX_READ_PAGES} pages`));
    const listBytes = jsonLength(raw);
    const baseBytes = listBytes - authorBytes(valid);
    if (base64Length(listBytes) > this.maxPageBytes) {
      const single = raw.length === 1 && baseBytes - 2 - SEQ_FIELD_BYTES <= MAX_MESSAGE_JSON_BYTES;
      if (!single)
        this.fail(new BadHostError(this.where, `a page of ${listBytes} bytes, ${this.maxPageBytes} asked`));
    }
    this.bytes += baseBytes;
    if (this.bytes > MAX_READ_JSON_BYTES) {
      this.fail(new BadHostError(this.where, `more than ${MAX_READ_JSON_BYTES} bytes of messages`));
    }
    let previous = after;
    for (const m of valid) {
      if (m.seq === undefined || m.seq <= previous || m.seq > after + limit) {
        this.fail(
          new BadHostError(this.where, `seq ${m.seq} after ${previous}, asked ${after + 1}–${after + limit}`),
        );
      }
      previous = m.seq;
    }
    return valid;
  }
}
