/** Largest payload one UDP/IPv4 datagram can carry. Nothing we send may exceed it. */
export const MAX_DATAGRAM_BYTES = 65_507;

/** A chat's messages, as base64 JSON, may not reach this size (the original's `messagesMaxSize`). */
export const CHAT_MAX_BYTES = 819_200;

/** Longest `z` we echo back; longer ones are treated as malformed. */
export const MAX_REQUEST_ID_LENGTH = 256;

/** Longest address token (`k`, docs/protocol.md "Address proof"). */
export const MAX_ADDRESS_TOKEN_LENGTH = 64;

/** Longest chat name / author name we accept on the wire (keeps one chat-list entry small). */
export const MAX_NAME_LENGTH = 256;

/** NAT types a peer may announce in `r/i`. The first two are all a base peer accepts. */
export const NAT_TYPES = [
  'Full Cone',
  'Restricted Cone',
  'Port Restricted Cone',
  'Symmetric',
  'Open Internet',
  'Blocked',
] as const;
export type NatType = (typeof NAT_TYPES)[number];

/** NAT types a base peer accepts in `r/i` (anything else gets 2 from it). */
export const BASE_NAT_TYPES: readonly NatType[] = ['Full Cone', 'Restricted Cone'];
