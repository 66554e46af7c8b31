// The desktop app's peer takes its traversal settings (keepalive, relay for others) from what the
// window saved, since it has no flags; a host's explicit options (the CLI's flags) win.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ComposedPeers } from '../../../test/support/composed-peer.js';
import { silentLogger } from '../../core/logger.js';
import { PortMapping } from '../../nat/port-mapping.js';
import type { ComposedPeer } from '../compose.js';
import { composeDesktopPeer } from './desktop-peer.js';

let dir: string;
let peers: ComposedPeers;

beforeEach(() => {
  peers = new ComposedPeers();
  dir = peers.tempDir('nance-desktop-peer-');
});

afterEach(async () => {
  vi.restoreAllMocks();
  await peers.dispose();
});

async function desktop(): Promise<ComposedPeer> {
  return peers.add(await composeDesktopPeer(dir, silentLogger));
}

const closeAll = (): Promise<void> => peers.closeAll();

describe('composeDesktopPeer: traversal settings', () => {
  it('starts with the defaults, then with what the window saved', async () => {
    const first = await desktop();
    expect(first.peer.config.traversal.keepaliveMs).toBe(20_000);
    expect(first.peer.config.traversal.relay.offer).toBe('auto');
    const reply = await first.service.dispatch('updateSettings', {
      keepaliveSeconds: 90,
      relayForOthers: 'never',
    });
    expect(reply.ok).toBe(true);
    await closeAll();

    const again = await desktop();
    expect(again.peer.config.traversal.keepaliveMs).toBe(90_000);
    expect(again.peer.config.traversal.relay.offer).toBe('never');
    expect(again.service.settings()).toMatchObject({ keepaliveSeconds: 90, relayForOthers: 'never' });
  });

  it("a host's explicit options win over the saved settings", async () => {
    const first = await desktop();
    await first.service.dispatch('updateSettings', { keepaliveSeconds: 0, relayForOthers: 'always' });
    await closeAll();

    const cli = await peers.compose(dir, { keepaliveMs: 15_000, relay: 'auto' });
    expect(cli.peer.config.traversal.keepaliveMs).toBe(15_000);
    expect(cli.peer.config.traversal.relay.offer).toBe('auto');
    expect(cli.service.settings()).toMatchObject({ keepaliveSeconds: 15, relayForOthers: 'auto' });
  });
});

describe('composeDesktopPeer: port mapping', () => {
  it('is off unless the caller asks (the app passes "saved"): tests never touch the router', async () => {
    // Replaced so that even a regression sends nothing to the gateway; it must not be asked at all.
    const start = vi.spyOn(PortMapping, 'start').mockResolvedValue(undefined);
    const first = await desktop();
    // Even with the window's setting on (its default), omitting the option maps nothing.
    expect(first.service.settings().portMapping).toBe(true);
    expect(start).not.toHaveBeenCalled();
    expect(first.portMapping).toBeUndefined();
    expect(first.peer.config.mapped).toBeFalsy();
    expect(first.service.status().portMapping).toBeNull();
  });
});
