// Sends UDP datagrams with a forged source address on loopback, through a raw IP socket (root
// only, Linux): what an attacker on the path or off it can do to a peer that trusts a source
// address. Node has no raw sockets, so a short python3 script writes the IP and UDP headers.
// Sends only to 127.0.0.0/8.
import { execFile } from 'node:child_process';
import type { Endpoint } from '../../src-main/core/ports.js';
import { encodeWire } from './sim-harness.js';

/** Whether this process may forge source addresses (else such tests skip, saying why). */
export const canSpoof = process.platform === 'linux' && process.getuid?.() === 0;

const SCRIPT = `
import socket, struct, sys
src, sport, dst, dport, payload = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), bytes.fromhex(sys.argv[5])
udp = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, socket.IPPROTO_UDP, 0,
                 socket.inet_aton(src), socket.inet_aton(dst))
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.sendto(ip + udp, (dst, 0))
`;

/** Sends `message` (a wire object, base64 JSON like any datagram) to `to` as if it came from `from`. */
export function sendSpoofed(message: object, from: Endpoint, to: Endpoint): Promise<void> {
  if (!to.host.startsWith('127.')) throw new Error('spoofed datagrams go to 127.0.0.0/8 only');
  const payload = Buffer.from(encodeWire(message)).toString('hex');
  return new Promise((resolve, reject) => {
    execFile(
      'python3',
      ['-c', SCRIPT, from.host, String(from.port), to.host, String(to.port), payload],
      { timeout: 10_000 },
      (err) => (err ? reject(err) : resolve()),
    );
  });
}
