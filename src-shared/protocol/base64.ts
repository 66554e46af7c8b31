// Base64 over Uint8Array with the platform's atob/btoa (present in Node >= 16 and every browser),
// so src-shared stays free of Node's Buffer.

const CHUNK = 0x8000;

// Node's Buffer, when the runtime has one (main process, CLI), found at run time so this module
// still loads in the renderer. Node 20's btoa is written in JS and costs ~20 µs per KB: on a
// 14 KB g/m answer it was most of the peer's time (see docs/benchmarks.md).
type NodeBufferClass = {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: 'base64'): string };
};
const NodeBuffer = (globalThis as { Buffer?: NodeBufferClass }).Buffer;

export function bytesToBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict standard base64 (padded). Returns undefined for anything else. */
export function base64ToBytes(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !BASE64_RE.test(text)) return undefined;
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Length of the base64 text for `n` bytes. */
export function base64Length(n: number): number {
  return 4 * Math.ceil(n / 3);
}
