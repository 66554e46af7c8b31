// The desktop app's peer: composed like the CLI's, on the UDP port it bound last time (kept in a
// small file in the data dir, so peers that know us find us again), or on any free port if that one
// is taken. Plain Node: tested without Electron.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../core/logger.js';
import { DEFAULT_CONFIG } from '../../core/peer.js';
import { type ComposedPeer, type ComposeOptions, composePeer } from '../compose.js';
import {
  DESKTOP_SETTINGS_FILE,
  formatDesktopSettings,
  isAddressInUse,
  parseDesktopSettings,
  portAttempts,
} from './desktop-config.js';

export interface DesktopPeerOptions {
  /**
   * Ask the router to forward our port (compose's option): the app passes 'saved' (the window's
   * setting). Default false, so a caller that does not say so (the tests) never touches the router.
   */
  portMapping?: ComposeOptions['portMapping'];
  lanDiscovery?: ComposeOptions['lanDiscovery'];
  /** Seals the identity key (the OS keychain, ./keychain-box.ts); absent: the file is plain, 0600. */
  secretBox?: ComposeOptions['secretBox'];
}

export async function composeDesktopPeer(
  dataDir: string,
  log: Logger,
  options: DesktopPeerOptions = {},
): Promise<ComposedPeer> {
  const file = path.join(dataDir, DESKTOP_SETTINGS_FILE);
  const saved = parseDesktopSettings(readText(file));
  let lastError: unknown;
  for (const port of portAttempts(saved.udpPort)) {
    try {
      const peer = await composePeer({
        dataDir,
        host: '0.0.0.0',
        port,
        bootstrap: false,
        bootstrapPeers: [],
        savedBootstrapPeers: true,
        // No keepaliveMs / relay: compose takes the keepalive and relay settings the window saved.
        retentionSeconds: DEFAULT_CONFIG.retentionMs / 1000,
        logger: log,
        portMapping: options.portMapping ?? false,
        lanDiscovery: options.lanDiscovery ?? false,
        ...(options.secretBox ? { secretBox: options.secretBox } : {}),
      });
      const bound = peer.transport.localEndpoint().port;
      if (bound !== saved.udpPort) {
        try {
          fs.writeFileSync(file, formatDesktopSettings({ udpPort: bound }));
        } catch (err) {
          log.warn({ file, err: String(err) }, 'desktop: cannot save the UDP port');
        }
      }
      return peer;
    } catch (err) {
      lastError = err;
      if (!isAddressInUse(err)) break;
      log.warn({ port }, 'desktop: the saved UDP port is taken; binding another');
    }
  }
  throw lastError;
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
