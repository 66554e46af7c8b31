// Typed forms of every message on the wire, independent of their JSON spelling (see codec.ts).

/** One chat in a `g/c` answer. `timestamp` is Unix seconds as a string of a float, as the original sends. */
export interface ChatSummary {
  uuid: string;
  name: string;
  timestamp: string;
}

/**
 * A Nance author's signature of a post (`author` in `s/m`): its public key, the signature, and its
 * own clock as a timestamp string (docs/protocol.md, "Signed posts").
 */
export interface PostAuthor {
  k: string;
  s: string;
  t: string;
}

/** The same as a page answer carries it (and the host stores it): with the post's `z`, also signed. */
export interface SignedAuthor extends PostAuthor {
  z: string;
}

/**
 * One message in a `g/m` answer. `seq` and `author` are present only in answers to the paging
 * extension (`author` only for a signed post).
 */
export interface ChatMessage {
  uuid: string;
  name: string;
  content: string;
  timestamp: string;
  seq?: number;
  author?: SignedAuthor;
}

/** One peer in a `g/i` answer. */
export interface PeerAddress {
  natConeType: string;
  ip: string;
  port: number;
}

/** Paging extension of `g/m` (see docs/protocol.md): messages with seq > after, at most limit / maxBytes. */
export interface MessagePage {
  after: number;
  limit?: number;
  maxBytes?: number;
}

/** An address carried inside a traversal message (`ip`, `port` on the wire). */
export interface WireEndpoint {
  host: string;
  port: number;
}

export type Request =
  /** `challenge` (`ch`): asks the answering peer to prove its key (docs/protocol.md, "Key proof"). */
  | { type: 'ping'; challenge?: string }
  | { type: 'getChats'; maxChatsLength: number }
  | { type: 'getMessages'; chatUuid: string; page?: MessagePage }
  /** `allTypes`: the asker reaches peers by traversal too: list every NAT type as it is (`nat: true`). */
  | { type: 'getPeers'; maxPeersLength: number; allTypes?: boolean }
  | { type: 'register'; natConeType: string }
  /** `author`: a Nance author's signature (only to hosts that advertised `sig`). */
  | { type: 'postMessage'; chatUuid: string; name: string; content: string; author?: PostAuthor }
  // NAT traversal extension (docs/protocol.md, "punch" and "relay")
  /** `n/i`: rendezvous, introduce me to `target` (a peer you know) so we can punch. */
  | { type: 'introduce'; target: WireEndpoint }
  /** `n/p`: rendezvous -> target: `target` wants to punch to you, start knocking it. */
  | { type: 'punch'; target: WireEndpoint; token: string }
  /** `n/k`: a punch probe, sent by both sides at once. */
  | { type: 'knock'; token: string }
  /** `n/r`: relay, forward `msg` to `target`. Never answered when forwarded. */
  | { type: 'relay'; target: WireEndpoint; msg: Record<string, unknown> }
  /** `n/f`: relay -> target: `msg` comes from `origin`. Never answered. */
  | { type: 'forwarded'; origin: WireEndpoint; msg: Record<string, unknown> }
  // Push delivery extension (docs/protocol.md, "push")
  /** `u/s`: reader -> host, push me what is stored in `chatUuid` after `after`; `sub` is echoed in every push. */
  | { type: 'subscribe'; chatUuid: string; after: number; sub: string }
  /** `u/p`: host -> reader, the chat now ends at `upTo`; `messages` (with `seq`) end there, none: a nudge to read. */
  | { type: 'push'; chatUuid: string; sub: string; upTo: number; messages: ChatMessage[] }
  // Chat gossip extension (docs/protocol.md, "gossip")
  /** `a/c`: peer -> peer, chats their hosts announced (signed by each host's key). */
  | { type: 'announce'; chats: ChatAnnouncement[] };

/** A host's signed word that it created a chat (docs/protocol.md, "gossip"). */
export interface ChatAnnouncement {
  /** The host's key. */
  k: string;
  /** Chat uuid, name and creation time (as `formatTimestamp` writes it). */
  u: string;
  n: string;
  t: string;
  /** Ed25519 signature by `k` over ["nance-chat/1", k, u, n, t]. */
  s: string;
  /** Hops travelled (0: from the host itself). */
  h: number;
  /** Where the relaying peer knows the host (absent: the sender is the host). */
  ip?: string;
  port?: number;
}

export type RequestType = Request['type'];

/** `c` of a response is an open object: base peers may add or omit fields. */
export type ResponseContent = Record<string, unknown>;

export interface Response {
  r: number;
  c: ResponseContent;
}

/** What one datagram turned out to be. */
export type Decoded =
  /** `proof`: the address token the request carried in `k` (absent when none, or malformed). */
  | { kind: 'request'; request: Request; z?: string; proof?: string }
  | { kind: 'response'; response: Response; z?: string }
  /** `reply` says whether the sender deserves an error 2 (it carried a usable z or looked like a request). */
  | { kind: 'invalid'; reply: boolean; z?: string; reason: string };
