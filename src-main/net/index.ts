export { MAX_DATAGRAM_BYTES } from './datagram.js';
export { SimClock } from './sim-clock.js';
export {
  type LinkEnd,
  SimNetwork,
  type SimNetworkOptions,
  type SimNetworkStats,
  SimTransport,
} from './sim-network.js';
export { systemClock } from './system-clock.js';
export { type UdpBindOptions, type UdpStats, UdpTransport } from './udp-transport.js';
