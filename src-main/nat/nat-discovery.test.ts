// Discovery end to end in virtual time: our STUN service (RFC 5780, four sockets on two addresses)
// and plain servers on a simulated internet, and the client behind a simulated NAT of every
// mapping × filtering kind (RFC 4787). The real-kernel version of this is test/natlab.
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../test/support/sim-clock.js';
import { SimNetwork, type SimTransport } from '../../test/support/sim-network.js';
import type { DatagramHandler, Endpoint, Transport } from '../core/ports.js';
import { DemuxTransport, isStunDatagram } from '../net/demux-transport.js';
import { discoverNat, type NatDiscoveryResult } from './nat-discovery.js';
import { StunService } from './stun-service.js';

type Mapping = 'EIM' | 'ADM' | 'APDM';
type Filtering = 'EIF' | 'ADF' | 'APDF';

const LAN_HOST = '10.0.0.10';
const LAN_PORT = 40_000;
const WAN_IP = '198.51.100.21';
const S_IP1 = '198.51.100.10';
const S_IP2 = '198.51.100.11';
const S_PORT = 3478;
const PLAIN: Endpoint = { host: '203.0.113.20', port: 3478 };

/**
 * A NAT in front of one LAN socket. Each mapping is a sim socket on the WAN address; what it lets in
 * depends on whom the LAN socket has sent to through it.
 */
class SimNat {
  readonly #maps = new Map<string, { wan: SimTransport; contacted: Endpoint[] }>();
  #nextPort = 50_000;
  readonly #handlers: DatagramHandler[] = [];

  constructor(
    private readonly net: SimNetwork,
    private readonly mapping: Mapping,
    private readonly filtering: Filtering,
  ) {}

  /** The LAN host's socket. */
  socket(): Transport {
    return {
      send: (data, to) => this.#send(data, to),
      onDatagram: (h) => {
        this.#handlers.push(h);
      },
      localEndpoint: () => ({ host: LAN_HOST, port: LAN_PORT }),
      close: async () => {
        for (const m of this.#maps.values()) await m.wan.close();
      },
    };
  }

  #send(data: Uint8Array, to: Endpoint): void {
    const key = this.mapping === 'EIM' ? '*' : this.mapping === 'ADM' ? to.host : `${to.host}:${to.port}`;
    let m = this.#maps.get(key);
    if (!m) {
      // Port preservation for the first mapping, as Linux does; fresh ports after that.
      const port = this.#maps.size === 0 ? LAN_PORT : this.#nextPort++;
      const wan = this.net.bind({ host: WAN_IP, port });
      const entry = { wan, contacted: [] as Endpoint[] };
      wan.onDatagram((d, from) => {
        const allowed =
          this.filtering === 'EIF' ||
          entry.contacted.some(
            (c) => c.host === from.host && (this.filtering === 'ADF' || c.port === from.port),
          );
        if (allowed) for (const h of this.#handlers) h(d, from);
      });
      m = entry;
      this.#maps.set(key, m);
    }
    if (!m.contacted.some((c) => c.host === to.host && c.port === to.port)) m.contacted.push({ ...to });
    m.wan.send(data, to);
  }
}

interface World {
  clock: SimClock;
  net: SimNetwork;
}

function world(seed = 1, lossRate = 0): World {
  const clock = new SimClock();
  return { clock, net: new SimNetwork({ clock, seed, latencyMs: 10, jitterMs: 5, lossRate }) };
}

/** Our RFC 5780 service on (IP1, IP2) × (3478, 3479). */
function rfc5780Server({ net }: World): StunService {
  const bind = (host: string, port: number) => net.bind({ host, port });
  return new StunService({
    primary: bind(S_IP1, S_PORT),
    alternates: {
      altPort: bind(S_IP1, S_PORT + 1),
      altAddress: bind(S_IP2, S_PORT),
      altBoth: bind(S_IP2, S_PORT + 1),
    },
  });
}

function plainServer({ net }: World, at: Endpoint = PLAIN): StunService {
  return new StunService({ primary: net.bind(at) });
}

async function run(w: World, client: Transport, servers: Endpoint[], localAddresses = [LAN_HOST]) {
  const demux = new DemuxTransport(client);
  const done = discoverNat(demux.channel(isStunDatagram), { servers, clock: w.clock, localAddresses });
  let result: NatDiscoveryResult | undefined;
  void done.then((r) => {
    result = r;
  });
  for (let i = 0; i < 100 && !result; i++) await w.clock.advance(50);
  if (!result) throw new Error('discovery did not finish in 5 s of virtual time');
  return result;
}

const EXPECTED: Record<Mapping, Record<Filtering, string>> = {
  EIM: { EIF: 'Full Cone', ADF: 'Restricted Cone', APDF: 'Port Restricted Cone' },
  ADM: { EIF: 'Symmetric', ADF: 'Symmetric', APDF: 'Symmetric' },
  APDM: { EIF: 'Symmetric', ADF: 'Symmetric', APDF: 'Symmetric' },
};
const MAPPING_NAME = {
  EIM: 'endpoint-independent',
  ADM: 'address-dependent',
  APDM: 'address-and-port-dependent',
};
const FILTERING_NAME = {
  EIF: 'endpoint-independent',
  ADF: 'address-dependent',
  APDF: 'address-and-port-dependent',
};

describe('discoverNat against our RFC 5780 service, behind simulated NATs', () => {
  const cases = (['EIM', 'ADM', 'APDM'] as const).flatMap((m) =>
    (['EIF', 'ADF', 'APDF'] as const).map((f) => [m, f] as const),
  );
  it.each(cases)('%s + %s', async (mapping, filtering) => {
    const w = world();
    rfc5780Server(w);
    const nat = new SimNat(w.net, mapping, filtering);
    const r = await run(w, nat.socket(), [{ host: S_IP1, port: S_PORT }]);
    expect(r.natType).toBe(EXPECTED[mapping][filtering]);
    expect(r.mappingBehaviour).toBe(MAPPING_NAME[mapping]);
    expect(r.filteringBehaviour).toBe(FILTERING_NAME[filtering]);
    expect(r.confidence).toBe('high');
    expect(r.publicEndpoint).toEqual({ host: WAN_IP, port: LAN_PORT });
    // Waits only where a test is expected to go unanswered: 0.6 s per silent phase at most.
    expect(r.durationMs).toBeLessThan(filtering === 'EIF' ? 300 : 1000);
  });

  it('no NAT: Open Internet', async () => {
    const w = world();
    rfc5780Server(w);
    const direct = w.net.bind({ host: '203.0.113.30', port: 5000 });
    const r = await run(w, direct, [{ host: S_IP1, port: S_PORT }], ['203.0.113.30']);
    expect(r.natType).toBe('Open Internet');
    expect(r.mappingBehaviour).toBe('none');
    expect(r.localEndpoint).toEqual({ host: '203.0.113.30', port: 5000 });
  });

  it('still right with 20 % loss (retransmission)', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const w = world(seed, 0.2);
      rfc5780Server(w);
      const r = await run(w, new SimNat(w.net, 'EIM', 'APDF').socket(), [{ host: S_IP1, port: S_PORT }]);
      expect(r.natType, `seed ${seed}`).toBe('Port Restricted Cone');
    }
  });
});

describe('discoverNat fallbacks', () => {
  it('two plain servers: tells symmetric from cone, not the filtering', async () => {
    for (const mapping of ['EIM', 'APDM'] as const) {
      const w = world();
      plainServer(w);
      plainServer(w, { host: S_IP1, port: 3490 });
      const r = await run(w, new SimNat(w.net, mapping, 'ADF').socket(), [
        PLAIN,
        { host: S_IP1, port: 3490 },
      ]);
      expect(r.natType).toBe(mapping === 'EIM' ? 'Port Restricted Cone' : 'Symmetric');
      expect(r.filteringBehaviour).toBe('unknown');
      if (mapping === 'EIM') {
        expect(r.confidence).toBe('medium');
        expect(r.notes.join(' ')).toMatch(/conservative/);
      }
    }
  });

  it('an RFC 5780 server first, a silent one beside it: still measured, bounded', async () => {
    const w = world();
    rfc5780Server(w);
    const r = await run(w, new SimNat(w.net, 'EIM', 'ADF').socket(), [
      { host: '203.0.113.99', port: 3478 },
      { host: S_IP1, port: S_PORT },
    ]);
    expect(r.natType).toBe('Restricted Cone');
    expect(r.servers.map((s) => s.answered)).toEqual([false, true]);
    expect(r.durationMs).toBeLessThan(2000);
  });

  it('a plain server that refuses CHANGE-REQUEST is never mistaken for filtering', async () => {
    const w = world();
    plainServer(w);
    const r = await run(w, new SimNat(w.net, 'EIM', 'EIF').socket(), [PLAIN]);
    expect(r.natType).toBe('Port Restricted Cone');
    expect(r.confidence).toBe('low');
  });

  it('nothing answers: Blocked within the bound', async () => {
    const w = world();
    const r = await run(w, new SimNat(w.net, 'EIM', 'EIF').socket(), [PLAIN, { host: S_IP1, port: S_PORT }]);
    expect(r.natType).toBe('Blocked');
    expect(r.durationMs).toBeLessThanOrEqual(600);
  });
});
