/** Result codes of the Nance wire protocol (`r` in a response). */
export const ResultCode = {
  Ok: 0,
  /** The peer hit an exception while handling the request. */
  Exception: 1,
  /** Malformed message, missing/invalid argument, unknown t/d, or a chat request sent to a bootstrap. */
  UnknownFormat: 2,
  /** Registration: the ping-back to the sender failed. */
  Unreachable: 3,
  /** Prove your address: resend the request with `k` = `c.k` (sent only to requesters that carry `k`). */
  ProveAddress: 4,
  /** The item (chat) does not exist. */
  NotFound: 10,
  /** The chat is full. */
  Full: 20,
  /** Local only, never on the wire: no response came back in time. */
  Timeout: 90,
} as const;

export type ResultCode = (typeof ResultCode)[keyof typeof ResultCode];

/** Codes that may appear on the wire (everything but the local-only 90). */
export const WIRE_CODES: ReadonlySet<number> = new Set(
  Object.values(ResultCode).filter((code) => code !== ResultCode.Timeout),
);
