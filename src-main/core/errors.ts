import { type ErrorKind, errorKindByCode } from '../../src-shared/api.js';

/**
 * Why a user action failed (the kinds are the contract's, src-shared/api.ts); every kind but
 * 'invalid-argument', which only the command boundary gives. `code` is the protocol code where
 * one applies (`ResultCode.Timeout`: no answer in time).
 */
export type NanceErrorKind = Exclude<ErrorKind, 'invalid-argument'>;

export class NanceError extends Error {
  override readonly name = 'NanceError';
  constructor(
    readonly kind: NanceErrorKind,
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }

  /** The error for a non-zero result code received from (or, for `ResultCode.Timeout`, not received from) a peer. */
  static fromCode(code: number, what: string): NanceError {
    const kind = (errorKindByCode[code] as NanceErrorKind | undefined) ?? 'exception';
    return new NanceError(kind, `${what}: ${kind} (code ${code})`, code);
  }
}
