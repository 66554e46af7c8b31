/** The largest UDP payload IPv4 can carry (65,535 - 20 IP header - 8 UDP header). */
export const MAX_DATAGRAM_BYTES = 65_507;
