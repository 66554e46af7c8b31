// Roaming (docs/nat.md, "LAN and roaming"): notices within seconds that the machine's addresses or
// default route changed (a laptop moving from Wi-Fi to a hotspot). It polls, because no portable
// event exists: os.networkInterfaces() and the default gateway every 2 s; `networkChanged`, a plain
// function, decides.
import os from 'node:os';
import { findDefaultGateway } from '../nat/default-gateway.js';

/** What the watch compares: our IPv4 addresses (with netmasks) and the default gateway. */
export interface NetworkSnapshot {
  /** "address/netmask", sorted; loopback left out (it never moves). */
  addresses: string[];
  gateway: string | undefined;
}

/** Whether the network changed between two snapshots: an address came or went, or the gateway did. */
export function networkChanged(before: NetworkSnapshot, after: NetworkSnapshot): boolean {
  if (before.gateway !== after.gateway) return true;
  if (before.addresses.length !== after.addresses.length) return true;
  return before.addresses.some((a, i) => a !== after.addresses[i]);
}

/** Our IPv4 addresses with their netmasks, loopback too (discovery asks what is on-link). */
export function ipv4Links(): { address: string; netmask: string; internal: boolean }[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4')
    .map((a) => ({ address: a.address, netmask: a.netmask, internal: a.internal }));
}

export async function readNetwork(): Promise<NetworkSnapshot> {
  const addresses = ipv4Links()
    .filter((a) => !a.internal)
    .map((a) => `${a.address}/${a.netmask}`)
    .sort();
  const gateway = await findDefaultGateway().catch(() => undefined);
  return { addresses, gateway };
}

export interface NetworkWatchOptions {
  intervalMs?: number;
  read?: () => Promise<NetworkSnapshot>;
  onChange(after: NetworkSnapshot, before: NetworkSnapshot): void;
}

export class NetworkWatch {
  #timer: NodeJS.Timeout | undefined;
  #last: NetworkSnapshot | undefined;
  #stopped = false;

  constructor(private readonly options: NetworkWatchOptions) {}

  async start(): Promise<void> {
    const read = this.options.read ?? readNetwork;
    this.#last = await read();
    const tick = async () => {
      const now = await read().catch(() => undefined);
      if (this.#stopped) return;
      const before = this.#last;
      if (now && before && networkChanged(before, now)) {
        this.#last = now;
        this.options.onChange(now, before);
      }
      this.#timer = setTimeout(() => void tick(), this.options.intervalMs ?? 2_000);
      this.#timer.unref();
    };
    if (!this.#stopped) {
      this.#timer = setTimeout(() => void tick(), this.options.intervalMs ?? 2_000);
      this.#timer.unref();
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }
}
