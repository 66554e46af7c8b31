// The one table of request spellings: for each request type, its `t`/`d`, the schema of its `a`,
// and how to write `a` from the typed request and read the typed request back from a valid `a`.
// Encoding and decoding (codec.ts) and everything that must recognise a message (traversal/)
// go through this table, so a message is spelled in exactly one place.
import type { z } from 'zod';
import type { Request, RequestType, WireEndpoint } from './messages.js';
import {
  announceArgs,
  getChatsArgs,
  getMessagesArgs,
  getPeersArgs,
  introduceArgs,
  knockArgs,
  postMessageArgs,
  punchArgs,
  pushArgs,
  registerArgs,
  relayArgs,
  subscribeArgs,
} from './schemas.js';
import { formatTimestamp } from './timestamps.js';

type RequestOf<K extends RequestType> = Extract<Request, { type: K }>;

/** Every request but ping, which is the bare `{"m":"p"}` and carries no `t`, `d` or `a`. */
export type ArgsRequestType = Exclude<RequestType, 'ping'>;

export interface WireRequest<K extends ArgsRequestType> {
  t: string;
  d: string;
  /** What a valid `a` holds, for the error 2's reason ("g/c needs …"). */
  needs: string;
  /** The `a` object of this request. */
  write(request: RequestOf<K>): Record<string, unknown>;
  /** The typed request an `a` object stands for, or undefined when `a` does not fit the schema. */
  read(a: Record<string, unknown>): RequestOf<K> | undefined;
}

function wireRequest<K extends ArgsRequestType, S extends z.ZodType>(spec: {
  t: string;
  d: string;
  args: S;
  needs: string;
  write: (request: RequestOf<K>) => Record<string, unknown>;
  read: (a: z.output<S>) => RequestOf<K>;
}): WireRequest<K> {
  return {
    t: spec.t,
    d: spec.d,
    needs: spec.needs,
    write: spec.write,
    read(a) {
      const parsed = spec.args.safeParse(a);
      return parsed.success ? spec.read(parsed.data) : undefined;
    },
  };
}

/** An address inside a traversal message (`ip`, `port` on the wire). */
const writeAt = (e: WireEndpoint) => ({ ip: e.host, port: e.port });
const readAt = (a: { ip: string; port: number }): WireEndpoint => ({ host: a.ip, port: a.port });

/** The wire form of every request with arguments (the real form of g/i, never the README's typo). */
export const wireRequests: { readonly [K in ArgsRequestType]: WireRequest<K> } = {
  getChats: wireRequest({
    t: 'g',
    d: 'c',
    args: getChatsArgs,
    needs: 'maxChatsLength > 0',
    write: (r) => ({ maxChatsLength: r.maxChatsLength }),
    read: (a) => ({ type: 'getChats', maxChatsLength: a.maxChatsLength }),
  }),
  getMessages: wireRequest({
    t: 'g',
    d: 'm',
    args: getMessagesArgs,
    needs: 'chatUuid (and valid paging fields)',
    write: (r) => ({ chatUuid: r.chatUuid, ...r.page }),
    read: ({ chatUuid, after, limit, maxBytes }) => {
      // No paging field at all: the base request, answered with the whole chat.
      if (after === undefined && limit === undefined && maxBytes === undefined) {
        return { type: 'getMessages', chatUuid };
      }
      const page = { after: after ?? 0, ...(limit === undefined ? {} : { limit }) };
      return { type: 'getMessages', chatUuid, page: maxBytes === undefined ? page : { ...page, maxBytes } };
    },
  }),
  getPeers: wireRequest({
    t: 'g',
    d: 'i',
    args: getPeersArgs,
    needs: 'maxPeersLength > 0',
    write: (r) => ({ maxPeersLength: r.maxPeersLength, ...(r.allTypes ? { nat: true } : {}) }),
    read: (a) => ({
      type: 'getPeers',
      maxPeersLength: a.maxPeersLength,
      ...(a.nat ? { allTypes: true } : {}),
    }),
  }),
  register: wireRequest({
    t: 'r',
    d: 'i',
    args: registerArgs,
    needs: 'a known natConeType',
    write: (r) => ({ natConeType: r.natConeType }),
    read: (a) => ({ type: 'register', natConeType: a.natConeType }),
  }),
  postMessage: wireRequest({
    t: 's',
    d: 'm',
    args: postMessageArgs,
    needs: 'non-empty chatUuid, name and content',
    write: (r) => ({
      chatUuid: r.chatUuid,
      name: r.name,
      content: r.content,
      ...(r.author === undefined ? {} : { author: r.author }),
    }),
    read: ({ author, ...a }) => ({ type: 'postMessage', ...a, ...(author === undefined ? {} : { author }) }),
  }),
  // NAT traversal extension (`t: "n"`, docs/protocol.md)
  introduce: wireRequest({
    t: 'n',
    d: 'i',
    args: introduceArgs,
    needs: 'ip and port',
    write: (r) => writeAt(r.target),
    read: (a) => ({ type: 'introduce', target: readAt(a) }),
  }),
  punch: wireRequest({
    t: 'n',
    d: 'p',
    args: punchArgs,
    needs: 'ip, port and token',
    write: (r) => ({ ...writeAt(r.target), token: r.token }),
    read: (a) => ({ type: 'punch', target: readAt(a), token: a.token }),
  }),
  knock: wireRequest({
    t: 'n',
    d: 'k',
    args: knockArgs,
    needs: 'token',
    write: (r) => ({ token: r.token }),
    read: (a) => ({ type: 'knock', token: a.token }),
  }),
  relay: wireRequest({
    t: 'n',
    d: 'r',
    args: relayArgs,
    needs: 'ip, port and msg',
    write: (r) => ({ ...writeAt(r.target), msg: r.msg }),
    read: (a) => ({ type: 'relay', target: readAt(a), msg: a.msg }),
  }),
  forwarded: wireRequest({
    t: 'n',
    d: 'f',
    args: relayArgs,
    needs: 'ip, port and msg',
    write: (r) => ({ ...writeAt(r.origin), msg: r.msg }),
    read: (a) => ({ type: 'forwarded', origin: readAt(a), msg: a.msg }),
  }),
  // Push delivery extension (`t: "u"`, docs/protocol.md "push")
  subscribe: wireRequest({
    t: 'u',
    d: 's',
    args: subscribeArgs,
    needs: 'chatUuid, after and s',
    write: (r) => ({ chatUuid: r.chatUuid, after: r.after, s: r.sub }),
    read: (a) => ({ type: 'subscribe', chatUuid: a.chatUuid, after: a.after, sub: a.s }),
  }),
  push: wireRequest({
    t: 'u',
    d: 'p',
    args: pushArgs,
    needs: 'chatUuid, s, upTo (and messages with seq)',
    write: (r) => ({
      chatUuid: r.chatUuid,
      s: r.sub,
      upTo: r.upTo,
      ...(r.messages.length > 0 ? { messages: r.messages } : {}),
    }),
    read: (a) => ({
      type: 'push',
      chatUuid: a.chatUuid,
      sub: a.s,
      upTo: a.upTo,
      // Timestamps back in the wire's string form, as every ChatMessage carries them.
      messages: (a.messages ?? []).map((m) => ({ ...m, timestamp: formatTimestamp(m.timestamp * 1000) })),
    }),
  }),
  // Chat gossip extension (`t: "a"`, docs/protocol.md "gossip")
  announce: wireRequest({
    t: 'a',
    d: 'c',
    args: announceArgs,
    needs: 'chats: 1-8 signed announcements',
    write: (r) => ({ chats: r.chats }),
    read: (a) => ({
      type: 'announce',
      // Optional fields only when present (exactOptionalPropertyTypes).
      chats: a.chats.map(({ ip, port, ...rest }) => ({
        ...rest,
        ...(ip === undefined || port === undefined ? {} : { ip, port }),
      })),
    }),
  }),
};

const typeBySpelling = new Map<string, ArgsRequestType>(
  (Object.keys(wireRequests) as ArgsRequestType[]).map((type) => {
    const { t, d } = wireRequests[type];
    return [`${t}/${d}`, type];
  }),
);

/** The request type a `t`/`d` pair spells, or undefined (also for non-string t or d). */
export function requestTypeOf(t: unknown, d: unknown): ArgsRequestType | undefined {
  return typeof t === 'string' && typeof d === 'string' ? typeBySpelling.get(`${t}/${d}`) : undefined;
}

/** The wire object of a request with arguments: `{m:"r", t, d, a}`. */
export function argsRequestToWire(request: RequestOf<ArgsRequestType>): object {
  // Keyed by type, the entry writes exactly this request (TypeScript cannot correlate the union).
  const spelling = wireRequests[request.type] as WireRequest<ArgsRequestType>;
  return { m: 'r', t: spelling.t, d: spelling.d, a: spelling.write(request) };
}
