// Sends UDP datagrams with a forged source address through a raw socket (IP_HDRINCL), as an
// off-path attacker would: the peer under test sees them come from the victim. Root only, and
// loopback only (127.0.0.0/8). Python's socket module does the raw send (Node has no raw
// sockets); one long-lived helper process reads one JSON line per datagram.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Endpoint } from '../../src-main/core/ports.js';
import { encodeWire } from './sim-harness.js';

/** The raw sender: one JSON line per datagram in, one '.' line per datagram sent out. */
export const SPOOF_SENDER = fileURLToPath(new URL('./spoof-sender.py', import.meta.url));

/** Why spoofing cannot run here, or undefined when it can (root, python3, raw sockets allowed). */
export function spoofUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'raw-socket spoofing needs root';
  const probe = spawnSync('python3', [
    '-c',
    'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)',
  ]);
  if (probe.error) return 'python3 is not installed';
  if (probe.status !== 0) return 'raw sockets are not permitted here';
  return undefined;
}

export class Spoofer {
  private readonly child: ChildProcessWithoutNullStreams;
  private sent = 0;
  private acked = 0;
  private waiters: (() => void)[] = [];

  constructor() {
    this.child = spawn('python3', ['-u', SPOOF_SENDER]);
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.acked += chunk
        .toString()
        .split('\n')
        .filter((l) => l === '.').length;
      if (this.acked >= this.sent) for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Sends `payload` to `to` as if it came from `as` (both on loopback). */
  send(payload: Uint8Array, as: Endpoint, to: Endpoint): void {
    this.sent++;
    const line = {
      src: as.host,
      sport: as.port,
      dst: to.host,
      dport: to.port,
      hex: Buffer.from(payload).toString('hex'),
    };
    this.child.stdin.write(`${JSON.stringify(line)}\n`);
  }

  /** Resolves once every datagram given so far has left the raw socket. */
  flushed(): Promise<void> {
    if (this.acked >= this.sent) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** Whether this process may forge source addresses (else such tests skip, saying why). */
export const canSpoof = spoofUnavailable() === undefined;

/** Sends one wire object to `to` as if it came from `from` (a one-off Spoofer). */
export async function sendSpoofed(message: object, from: Endpoint, to: Endpoint): Promise<void> {
  const spoofer = new Spoofer();
  try {
    spoofer.send(encodeWire(message), from, to);
    await spoofer.flushed();
  } finally {
    spoofer.close();
  }
}
