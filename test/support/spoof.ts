// Sends UDP datagrams with a forged source address through a raw socket (IP_HDRINCL), as an
// off-path attacker would: the peer under test sees them come from the victim. Root only, and
// loopback only (127.0.0.0/8). Python's socket module does the raw send (Node has no raw
// sockets); one long-lived helper process reads one JSON line per datagram.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import type { Endpoint } from '../../src-main/core/ports.js';

const SENDER = String.raw`
import json, socket, struct, sys
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
def checksum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
for line in sys.stdin:
    m = json.loads(line)
    src, dst = socket.inet_aton(m['src']), socket.inet_aton(m['dst'])
    if not m['dst'].startswith('127.') or not m['src'].startswith('127.'):
        continue  # loopback only
    data = bytes.fromhex(m['hex'])
    udp = struct.pack('!HHHH', m['sport'], m['dport'], 8 + len(data), 0) + data
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
    raw.sendto(ip + udp, (m['dst'], 0))
    sys.stdout.write('.\n'); sys.stdout.flush()
`;

/** Why spoofing cannot run here, or undefined when it can (root, python3, raw sockets allowed). */
export function spoofUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'raw-socket spoofing needs root';
  const probe = spawnSync('python3', ['-c', 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)']);
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
    this.child = spawn('python3', ['-u', '-c', SENDER]);
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.acked += chunk.toString().split('\n').filter((l) => l === '.').length;
      if (this.acked >= this.sent) for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Sends `payload` to `to` as if it came from `as` (both on loopback). */
  send(payload: Uint8Array, as: Endpoint, to: Endpoint): void {
    this.sent++;
    const line = { src: as.host, sport: as.port, dst: to.host, dport: to.port, hex: Buffer.from(payload).toString('hex') };
    this.child.stdin.write(`${JSON.stringify(line)}\n`);
  }

  /** Resolves once every datagram given so far has left the raw socket. */
  flushed(): Promise<void> {
    if (this.acked >= this.sent) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}
