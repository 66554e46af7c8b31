// The base-peer double on the simulator: its socket is a SimTransport, its time a SimClock, so a
// long session with it runs in virtual time. (The double itself imports nothing of ours; this file
// is the only glue.)
import type { SimClock } from '../support/sim-clock.js';
import type { SimNetwork } from '../support/sim-network.js';
import { type BaseEndpoint, BasePeer, type BasePeerOptions } from './base-peer.js';

export function startSimBasePeer(
  net: SimNetwork,
  clock: SimClock,
  at: BaseEndpoint,
  options: BasePeerOptions = {},
): BasePeer {
  const transport = net.bind(at);
  return BasePeer.over(
    {
      send(bytes, to) {
        transport.send(bytes, to);
        return true;
      },
      onMessage: (handler) => transport.onDatagram(handler),
      address: () => transport.localEndpoint(),
      close: () => transport.close(),
    },
    { now: () => clock.now(), after: (ms, fn) => clock.setTimeout(fn, ms) },
    options,
  );
}
