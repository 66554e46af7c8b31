// Server side: one answer for each base request, in either role, exactly as protocol.md says.
import type { Request, Response, SignedAuthor } from '../../src-shared/protocol/index.js';
import { ResultCode } from '../../src-shared/protocol/index.js';
import { MAX_IPV6_ADVERTS, MAX_RENDEZVOUS_ADVERTS } from '../../src-shared/protocol/schemas.js';
import { isIPv6 } from './addresses.js';
import type { ChatHost } from './chat-host.js';
import { HERALD_EXTENSION } from './gossip/chat-gossip.js';
import type { Signer } from './identity/keys.js';
import { provePing } from './identity/ping-proof.js';
import { checkSignedPost, type SignatureCheck } from './identity/post-signature.js';
import type { PeerDirectory } from './peer-directory.js';
import { type Endpoint, endpointKey, type PeerRole } from './ports.js';
import type { RequestContext } from './request-context.js';
import type { Traversal } from './traversal/traversal.js';
import { fitting, jsonBudget, jsonLength } from './wire-size.js';

/** Extensions every peer of ours speaks; traversal adds its own (see docs/protocol.md). */
export const EXTENSIONS = ['page', 'proof', 'sig'] as const;
/** Push delivery and chat gossip (docs/protocol.md): only a peer hosts and lists chats. */
const PEER_EXTENSIONS = ['push', 'gossip'] as const;
/** Extensions only a bootstrap speaks. */
const BOOTSTRAP_EXTENSIONS = [HERALD_EXTENSION] as const;
export const PROTOCOL_VERSION = 1;

const ok = (c: Record<string, unknown> = {}): Response => ({ r: ResultCode.Ok, c });
const fail = (r: number): Response => ({ r, c: {} });
/** `,"busy":true` in a `g/i` answer. */
const BUSY_FLAG_BYTES = jsonLength({ busy: true });

export interface HandlerContext {
  role(): PeerRole;
  chats: ChatHost;
  peers: PeerDirectory;
  /** Pings `to` back: the peer that answered (its IPv4 name when `to` is its IPv6 address), or null. */
  pingBack(to: Endpoint): Promise<Endpoint | null>;
  /** The key proven at `at`, if any (key-directory.ts). */
  keyAt(at: Endpoint): string | undefined;
  /**
   * A request carrying our token for `at` came straight from it: `at` is alive and receives what we
   * send there, as an answer from it would show (answered-addresses.ts).
   */
  provenAlive(at: Endpoint): void;
  traversal: Traversal;
  /** What we say of ourselves in the ping answer besides version, extensions and role. */
  selfDescription(): { nat: string; mapped?: true };
  /** The address token for `to` (docs/protocol.md, "Address proof"), given in every ping answer. */
  addressToken(to: Endpoint): string;
  /** Our own IPv6 endpoints (global or ULA): named (`a6`) to pingers that speak our extensions. */
  ipv6Endpoints(): readonly Endpoint[];
  /** Our key: named in every ping answer (`id`), and proven (`sig`) when the ping challenges it. */
  identity(): Signer;
  /** Whether `from` may have a key proof now (each costs a signature: a flood must not buy many). */
  mayProveKey(from: Endpoint): boolean;
  /** Our clock (a signed post's time must be within a day of it). */
  now(): number;
  /** How a signed post's signature is checked (undefined: in libuv's pool). */
  signatureCheck?: SignatureCheck;
}

/** Requests answered here (relay wrappers, push delivery and gossip are NancePeer's, see there). */
export type HandledRequest = Exclude<
  Request,
  { type: 'relay' | 'forwarded' | 'subscribe' | 'push' | 'announce' }
>;

export class RequestHandler {
  constructor(private readonly ctx: HandlerContext) {}

  /** The answer to a request; `relay` and `forwarded` are not answered here (see NancePeer). */
  async handle(request: HandledRequest, req: RequestContext, z: string | undefined): Promise<Response> {
    const { from } = req;
    // Room for the envelope {"m":"R","r":0,"c":{...},"z":"..."} around a list: the z counts as it is
    // written in JSON (escapes, UTF-8), not by its length in UTF-16 units.
    const envelope = 64 + (z === undefined ? 0 : jsonLength(z));
    const budget = jsonBudget() - envelope;
    switch (request.type) {
      case 'ping':
        return ok({
          nance: {
            v: PROTOCOL_VERSION,
            ext: [
              ...EXTENSIONS,
              ...(this.ctx.role() === 'peer' ? PEER_EXTENSIONS : BOOTSTRAP_EXTENSIONS),
              ...this.ctx.traversal.extensions(),
            ],
            role: this.ctx.role(),
            ...this.ctx.selfDescription(),
            ...this.rendezvousAdverts(req),
            k: this.ctx.addressToken(req.source ?? from),
            ...this.ipv6Adverts(req),
            // Signing costs ~50 µs: only when asked (first contact, a new route, every few minutes)
            // and within the proof budget.
            ...(request.challenge !== undefined && this.ctx.mayProveKey(from)
              ? provePing(this.ctx.identity(), request.challenge)
              : { id: this.ctx.identity().publicKey }),
          },
        });
      case 'getPeers': {
        // A stale token (the asker's NAT gave it a new mapping toward us: behind a symmetric NAT,
        // at nearly every sync) gets a fresh one to resend with, smaller than the request: the
        // shuffle then counts as a contact, told our news (chat-gossip.ts), its answer not cut.
        if (staleToken(req)) return this.proveAddress(req);
        const listed = this.ctx.peers.listFor(from, request.maxPeersLength, request.allTypes === true);
        // In as many views as we serve: a new asker of ours is asked to leave us out of its view
        // (view-holders.ts); it still gets the list, to fill that room with others.
        if (request.allTypes === true && req.proven && !this.ctx.peers.admitsHolder(from))
          return ok({ peers: fitting(listed, budget - BUSY_FLAG_BYTES), busy: true });
        return ok({ peers: fitting(listed, budget) });
      }
      case 'register':
        // Out of a relay the ping-back could only go back through it: the address is unproven,
        // and a listed address must be one that answered us straight (3, as when it stays silent).
        if (req.relayed) return fail(ResultCode.Unreachable);
        // A peer of ours (it sent an address token) behind a NAT takes us as its rendezvous: an
        // ordinary peer serves a bounded number (peer-directory.ts). A base peer never asks that.
        if (req.asksProof && !this.ctx.peers.hasRoomFor(from, request.natConeType))
          return fail(ResultCode.Full);
        // A renewal whose token aged out (we restarted; it renewed late) gets a fresh one to resend
        // with instead of a ping-back: as many datagrams, and its next renewals need none.
        if (staleToken(req) && this.renews(from, request.natConeType)) return this.proveAddress(req);
        return this.register(request.natConeType, req);
      case 'introduce':
        // A stale token (a peer whose view is well stocked pings its bootstraps no more, so its
        // token for them ages out) gets a fresh one to resend with: a 3 would send it looking
        // elsewhere for a peer only this rendezvous may be able to introduce.
        if (staleToken(req)) return this.proveAddress(req);
        return this.ctx.traversal.introduce(req, request.target);
      case 'punch':
        // A stale token: our rendezvous renewed our registration without pinging us back (see
        // `renewsWithoutPingBack`), so its token for us aged out; a fresh one to resend with.
        if (staleToken(req)) return this.proveAddress(req);
        return this.ctx.traversal.punch(req, request.target, request.token);
      case 'knock':
        return this.ctx.traversal.knock(req, request.token);
    }
    if (this.ctx.role() === 'bootstrap') return fail(ResultCode.UnknownFormat);
    switch (request.type) {
      case 'getChats':
        return ok({ chats: this.ctx.chats.chats(request.maxChatsLength, budget) });
      case 'getMessages': {
        const { chatUuid, page } = request;
        if (!this.ctx.chats.visibleTo(chatUuid, req.proven)) return fail(ResultCode.NotFound);
        const answer = page
          ? this.ctx.chats.pageOfMessages(
              chatUuid,
              page,
              Math.min(budget, jsonBudget(page.maxBytes) - envelope),
            )
          : this.ctx.chats.latestMessages(chatUuid, budget);
        return answer ? ok({ ...answer }) : fail(ResultCode.NotFound);
      }
      case 'postMessage': {
        const { chatUuid, name, content, author } = request;
        if (!this.ctx.chats.visibleTo(chatUuid, req.proven)) return fail(ResultCode.NotFound);
        const dedupeKey = z === undefined ? undefined : `${endpointKey(from)}/${z}`;
        let signed: SignedAuthor | undefined;
        if (author) {
          // A signed post is stored only as signed: for this host, this chat, these words, this z.
          if (z === undefined) return fail(ResultCode.UnknownFormat);
          const post = { hostKey: this.ctx.identity().publicKey, chatUuid, name, content, z };
          const check = await checkSignedPost(post, author, this.ctx.now(), this.ctx.signatureCheck);
          if (check !== 'ok') return fail(ResultCode.UnknownFormat);
          signed = { ...author, z };
        }
        const result = await this.ctx.chats.post(chatUuid, name, content, dedupeKey, signed);
        if (result.status === 'not-found') return fail(ResultCode.NotFound);
        if (result.status === 'full') return fail(ResultCode.Full);
        // A message no g/m answer could carry is an invalid argument.
        if (result.status === 'too-large') return fail(ResultCode.UnknownFormat);
        return ok();
      }
    }
  }

  /** `r: 4` with a fresh token for the address the request came from, smaller than the request. */
  private proveAddress(req: RequestContext): Response {
    return { r: ResultCode.ProveAddress, c: { k: this.ctx.addressToken(req.source ?? req.from) } };
  }

  /**
   * `a6` only to a pinger that sent `k` (only our peers do): a base peer's answer stays as it was,
   * and it could not use an IPv6 address anyway (its lists are IPv4).
   */
  private ipv6Adverts(req: RequestContext): { a6?: { ip: string; port: number }[] } {
    const own = this.ctx.ipv6Endpoints();
    if (!req.asksProof || own.length === 0) return {};
    return { a6: own.slice(0, MAX_IPV6_ADVERTS).map((e) => ({ ip: e.host, port: e.port })) };
  }

  /**
   * `rv` (our ordinary rendezvous, while we are behind a NAT) only to a pinger that proved its
   * address: a peer of ours reaching us asks them, not a stale lister or our home bootstrap
   * (docs/scale.md); a spoofed ping learns nothing of whom we registered with.
   */
  private rendezvousAdverts(req: RequestContext): { rv?: { ip: string; port: number }[] } {
    const named = req.proven ? this.ctx.traversal.namedRendezvous() : undefined;
    if (named === undefined) return {};
    return { rv: named.slice(0, MAX_RENDEZVOUS_ADVERTS).map((e) => ({ ip: e.host, port: e.port })) };
  }

  private async register(natConeType: string, req: RequestContext): Promise<Response> {
    const { from } = req;
    let peer: Endpoint | null = from;
    if (this.renewsWithoutPingBack(req, natConeType)) this.ctx.provenAlive(from);
    else peer = await this.ctx.pingBack(from);
    // Peers are named by IPv4 (g/i, chat lists, the base wire): an IPv6 source whose ping-back
    // proved no IPv4 peer's key has no name to be registered under.
    if (peer === null || isIPv6(peer.host)) return fail(ResultCode.Unreachable);
    // Batched with this tick's other registrations (one commit), and answered once durable.
    await this.ctx.peers.register(peer, natConeType, req.asksProof);
    // A peer of ours gets a fresh token (its address answered or proved itself just now): it pings
    // a registrar it renews with no more, and its next renewal needs no ping-back with it.
    return req.asksProof ? ok({ k: this.ctx.addressToken(req.source ?? from) }) : ok();
  }

  /**
   * Whether an `r/i` renews a registration the ping-back would prove nothing new for
   * (docs/security.md, "Registration renewal"): our token for its address came back straight from
   * that address (its sender receives what we send there, as an answer to the ping-back would
   * show), and it `renews` its registration. Most registrations at a bootstrap are such renewals,
   * one per peer every 5 minutes (docs/scale.md).
   */
  private renewsWithoutPingBack(req: RequestContext, natConeType: string): boolean {
    return req.proven && req.source === undefined && !req.relayed && this.renews(req.from, natConeType);
  }

  /**
   * Whether `from` registered lately with the same NAT type, failed no check since, and the key
   * proven there is still on record (it did not move). Not behind a symmetric NAT: its home
   * bootstrap introduces it to everyone (`n/p`), with the token the ping-back's answer renews.
   */
  private renews(from: Endpoint, natConeType: string): boolean {
    const known = this.ctx.peers.get(from);
    return (
      natConeType !== 'Symmetric' &&
      known?.natType === natConeType &&
      known.failures === 0 &&
      this.ctx.peers.registeredLately(from) &&
      this.ctx.keyAt(from) !== undefined
    );
  }
}

/** A request of a peer of ours (it sent `k`) whose token did not verify: straight, so it can prove. */
const staleToken = (req: RequestContext) => req.asksProof && !req.proven && !req.relayed;
