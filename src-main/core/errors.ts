import { ResultCode } from '../../src-shared/protocol/index.js';

/**
 * Why a user action failed, in terms the window can put into words.
 * `code` is the protocol code where one applies (90 = no answer in time).
 */
export type NanceErrorKind =
  | 'exception' // 1: the host hit an error handling it
  | 'bad-request' // 2: the host did not accept the request
  | 'unreachable' // 3: the host could not reach us back (registration)
  | 'not-found' // 10: the chat no longer exists
  | 'full' // 20: the chat is full
  | 'timeout' // 90: no answer in time
  | 'not-supported' // a base peer answered 2 to an extension
  | 'too-large' // the message does not fit one datagram
  | 'wrong-mode' // the action is not available in this mode (bootstrap has no chats)
  | 'closed' // the peer is shutting down
  | 'bad-host'; // the host's answer broke the protocol (a page too large, seq out of order, no end)

const KIND_BY_CODE: Record<number, NanceErrorKind> = {
  [ResultCode.Exception]: 'exception',
  [ResultCode.UnknownFormat]: 'bad-request',
  [ResultCode.Unreachable]: 'unreachable',
  [ResultCode.NotFound]: 'not-found',
  [ResultCode.Full]: 'full',
  [ResultCode.Timeout]: 'timeout',
};

export class NanceError extends Error {
  override readonly name = 'NanceError';
  constructor(
    readonly kind: NanceErrorKind,
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }

  /** The error for a non-zero result code received from (or, for 90, not received from) a peer. */
  static fromCode(code: number, what: string): NanceError {
    const kind = KIND_BY_CODE[code] ?? 'exception';
    return new NanceError(kind, `${what}: ${kind} (code ${code})`, code);
  }
}
