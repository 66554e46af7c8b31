// Typed client calls for every request a peer makes of another, with answers validated and
// non-zero codes turned into NanceErrors.
import type {
  ChatMessage,
  ChatSummary,
  PeerAddress,
  Request,
  Response,
} from '../../src-shared/protocol/index.js';
import { formatTimestamp, ResultCode } from '../../src-shared/protocol/index.js';
import { chatEntry, messageEntry, peerEntry } from '../../src-shared/protocol/schemas.js';
import { NanceError } from './errors.js';
import type { Endpoint, PeerRole } from './ports.js';
import { endpointKey } from './ports.js';
import type { RequestEngine, RetryPolicy } from './request-engine.js';

export interface PingInfo {
  /** Extensions the peer advertised; empty for a base peer. */
  ext: string[];
  role: PeerRole | undefined;
}

interface Schema<T> {
  safeParse(v: unknown): { success: true; data: T } | { success: false };
}

/** Keeps the entries of a response list that validate, dropping the rest. */
function validList<T>(c: Record<string, unknown>, key: string, schema: Schema<T>): T[] {
  const list = c[key];
  if (!Array.isArray(list)) throw new NanceError('exception', `answer has no ${key} list`);
  const out: T[] = [];
  for (const item of list) {
    const parsed = schema.safeParse(item);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

const timestampOf = (t: string | number) => (typeof t === 'number' ? formatTimestamp(t * 1000) : t.trim());

export class PeerClient {
  private readonly capabilities = new Map<string, PingInfo>();

  constructor(private readonly engine: RequestEngine) {}

  /** What a peer advertised in its last ping answer, if we have pinged it. */
  known(to: Endpoint): PingInfo | undefined {
    return this.capabilities.get(endpointKey(to));
  }

  async ping(to: Endpoint, policy?: Partial<RetryPolicy>): Promise<PingInfo> {
    const c = await this.call(to, { type: 'ping' }, 'ping', policy);
    const ad = c.nance;
    const info: PingInfo = { ext: [], role: undefined };
    if (typeof ad === 'object' && ad !== null) {
      const { ext, role } = ad as Record<string, unknown>;
      if (Array.isArray(ext)) info.ext = ext.filter((e): e is string => typeof e === 'string');
      if (role === 'peer' || role === 'bootstrap') info.role = role;
    }
    this.capabilities.set(endpointKey(to), info);
    return info;
  }

  async getChats(to: Endpoint, maxChatsLength: number): Promise<ChatSummary[]> {
    const c = await this.call(to, { type: 'getChats', maxChatsLength }, 'list chats');
    return validList(c, 'chats', chatEntry).map((e) => ({ ...e, timestamp: timestampOf(e.timestamp) }));
  }

  async getPeers(to: Endpoint, maxPeersLength: number): Promise<PeerAddress[]> {
    const c = await this.call(to, { type: 'getPeers', maxPeersLength }, 'list peers');
    return validList(c, 'peers', peerEntry);
  }

  async register(to: Endpoint, natConeType: string): Promise<void> {
    await this.call(to, { type: 'register', natConeType }, 'register');
  }

  async postMessage(to: Endpoint, chatUuid: string, name: string, content: string): Promise<void> {
    await this.call(to, { type: 'postMessage', chatUuid, name, content }, 'post');
  }

  /** A whole chat: page by page from a peer that advertised paging, in one answer from a base peer. */
  async getMessages(to: Endpoint, chatUuid: string): Promise<ChatMessage[]> {
    const info = this.known(to) ?? (await this.ping(to));
    if (!info.ext.includes('page')) {
      const c = await this.call(to, { type: 'getMessages', chatUuid }, 'read chat');
      return this.messages(c);
    }
    const all: ChatMessage[] = [];
    let after = 0;
    for (;;) {
      const c = await this.call(to, { type: 'getMessages', chatUuid, page: { after } }, 'read chat');
      const page = this.messages(c);
      all.push(...page);
      const last = page.at(-1)?.seq;
      if (c.more !== true || last === undefined || last <= after) return all;
      after = last;
    }
  }

  private messages(c: Record<string, unknown>): ChatMessage[] {
    return validList(c, 'messages', messageEntry).map((e) => ({ ...e, timestamp: timestampOf(e.timestamp) }));
  }

  /** Sends one request; resolves with `c` on code 0, throws a NanceError otherwise. */
  private async call(
    to: Endpoint,
    request: Request,
    what: string,
    policy?: Partial<RetryPolicy>,
  ): Promise<Record<string, unknown>> {
    const response: Response = await this.engine.request(to, request, policy);
    if (response.r === ResultCode.Ok) return response.c;
    const where = `${what} at ${endpointKey(to)}`;
    if (response.r === ResultCode.Exception && request.type === 'getMessages') {
      // Base peers answer 1 when a chat no longer fits one datagram.
      throw new NanceError('exception', `${where}: this host cannot send this chat`, 1);
    }
    throw NanceError.fromCode(response.r, where);
  }
}
