# Sends UDP datagrams with a forged source address through a raw socket (IP_HDRINCL), for the
# hostile-network tests and bench (test/support/spoof.ts, bench/hostile-bench.mjs). Root only.
# Reads one JSON line per datagram: {"src","sport","dst","dport","hex"}; writes "." once sent.
# Loopback only: anything outside 127.0.0.0/8 is refused.
import json, socket, struct, sys

raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)

def checksum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

for line in sys.stdin:
    m = json.loads(line)
    if not m['dst'].startswith('127.') or not m['src'].startswith('127.'):
        sys.stdout.write('refused\n')
        continue
    data = bytes.fromhex(m['hex'])
    udp = struct.pack('!HHHH', m['sport'], m['dport'], 8 + len(data), 0) + data
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     socket.inet_aton(m['src']), socket.inet_aton(m['dst']))
    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
    raw.sendto(ip + udp, (m['dst'], 0))
    sys.stdout.write('.\n')
    sys.stdout.flush()
