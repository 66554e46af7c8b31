// The parts of the `stun` npm package (2.x, CommonJS, untyped) that src-main/nat uses:
// message building and parsing only. Its own sockets (`request`, `createServer`) are not used:
// STUN shares the peer's one UDP socket through net/demux-transport.ts.
declare module 'stun' {
  interface StunAddressValue {
    address: string;
    port: number;
    family: 'IPv4' | 'IPv6';
  }

  interface StunAttribute {
    readonly type: number;
    readonly value: unknown;
  }

  interface StunMessage extends Iterable<StunAttribute> {
    readonly type: number;
    readonly transactionId: Buffer;
    readonly count: number;
    getAttribute(type: number): StunAttribute | undefined;
    hasAttribute(type: number): boolean;
    isLegacy(): boolean;
  }

  /** An outgoing message (`createMessage`). */
  interface StunRequest extends StunMessage {
    setType(type: number): void;
    setTransactionId(transactionId: Buffer): boolean;
    addAttribute(type: number, ...values: unknown[]): StunAttribute | undefined;
    addAddress(address: string, port: number): StunAttribute | undefined;
    addXorAddress(address: string, port: number): StunAttribute | undefined;
    addError(code: number, reason?: string): StunAttribute | undefined;
    addUnknownAttributes(types: number[]): StunAttribute | undefined;
    addSoftware(software: string): StunAttribute | undefined;
    addFingerprint(): boolean;
    toBuffer(): Buffer;
  }

  /** An incoming message (`decode`). */
  interface StunResponse extends StunMessage {
    getAddress(): StunAddressValue | undefined;
    getXorAddress(): StunAddressValue | undefined;
    getError(): { code: number; reason: string } | undefined;
    getSoftware(): string | undefined;
  }

  interface StunPackage {
    createMessage(type: number, transactionId?: Buffer): StunRequest;
    createTransaction(): Buffer;
    encode(message: StunMessage): Buffer;
    /** Throws on a malformed message. */
    decode(message: Buffer): StunResponse;
    constants: Record<string, number>;
  }

  const stun: StunPackage;
  export default stun;
  export type { StunAddressValue, StunAttribute, StunMessage, StunRequest, StunResponse };
}
