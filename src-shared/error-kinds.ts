// Why a command failed: the one list of error kinds, in a module of its own so the window can use
// it without the contract's validators (zod stays out of the renderer bundle).
import { ResultCode } from './protocol/codes.js';

/**
 * Why a command failed, in terms the window can put into words: the one list of kinds (core's
 * `NanceError` and the window's sentences are typed from it). The number is the protocol code
 * the kind stands for, where one applies.
 */
export const errorKinds = [
  'exception', // 1: the host hit an error handling it
  'bad-request', // 2: the host did not accept the request
  'unreachable', // 3: the host could not reach us back (registration)
  'not-found', // 10: the chat no longer exists
  'full', // 20: the chat is full
  'timeout', // 90: no answer in time
  'not-supported', // a base peer answered 2 to an extension
  'too-large', // the message does not fit one datagram
  'wrong-mode', // the action is not available in this mode (bootstrap has no chats)
  'closed', // the peer is shutting down
  'invalid-argument', // the command's arguments do not match the contract
  'bad-host', // the host's answer broke the protocol (a page too large, seq out of order, no end)
  'bad-link', // a private room's invite link is malformed
  'wrong-key', // the invite link's key does not open the room it names
  'host-bootstrap', // the chat's host switched to bootstrap mode: it hosts no chats now
] as const;
export type ErrorKind = (typeof errorKinds)[number];

/** The kind of a failure a protocol result code reports (codes.ts). */
export const errorKindByCode: Readonly<Record<number, ErrorKind>> = {
  [ResultCode.Exception]: 'exception',
  [ResultCode.UnknownFormat]: 'bad-request',
  [ResultCode.Unreachable]: 'unreachable',
  [ResultCode.NotFound]: 'not-found',
  [ResultCode.Full]: 'full',
  [ResultCode.Timeout]: 'timeout',
};
