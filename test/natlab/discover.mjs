#!/usr/bin/env node
// Runs Nance's NAT discovery (the built code in build/) from this host and prints the result as one
// JSON line. The lab test runs it inside a LAN host's namespace (`ip netns exec nz-h-port node ...`).
//
//   node test/natlab/discover.mjs --server 198.51.100.10:3478 [--server HOST:PORT ...]
//        [--bind 0.0.0.0:0] [--rto 200] [--tries 3]
import { NatSetup } from '../../build/src-main/nat/nat-setup.js';
import { UdpTransport } from '../../build/src-main/net/udp-transport.js';

const argv = process.argv.slice(2);
const servers = [];
let bind = '0.0.0.0:0';
let rtoMs;
let tries;
for (let i = 0; i < argv.length; i += 2) {
  const a = argv[i];
  const v = argv[i + 1];
  if (v === undefined) {
    process.stderr.write(`discover.mjs: ${a} needs a value\n`);
    process.exit(2);
  }
  if (a === '--server') servers.push(v);
  else if (a === '--bind') bind = v;
  else if (a === '--rto') rtoMs = Number(v);
  else if (a === '--tries') tries = Number(v);
  else {
    process.stderr.write(`discover.mjs: unknown argument ${a}\n`);
    process.exit(2);
  }
}
const toEndpoint = (s) => {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
};

const socket = await UdpTransport.bind(toEndpoint(bind));
const nat = await NatSetup.start(socket);
try {
  const result = await nat.detect(servers.map(toEndpoint), {
    ...(rtoMs ? { rtoMs } : {}),
    ...(tries ? { tries } : {}),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await nat.close();
}
