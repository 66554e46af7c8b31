// One string per chat, for sets and maps on either side of the contract.
import { type Endpoint, endpointKey } from './endpoint.js';

/** A chat: `host: null` is one this peer hosts (the contract's chat reference). */
export interface ChatRef {
  host: Endpoint | null;
  chatUuid: string;
}

/**
 * "me/<uuid>" for this peer's chats, "<host>:<port>/<uuid>" for others'. Never ambiguous: a
 * host:port has a colon and no slash, and "me" has neither.
 */
export function chatKey(ref: ChatRef): string {
  return `${ref.host ? endpointKey(ref.host) : 'me'}/${ref.chatUuid}`;
}
