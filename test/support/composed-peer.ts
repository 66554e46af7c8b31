// Real peers composed as the CLI composes them (UDP on 127.0.0.1, SQLite and the identity file in a
// temp data dir) for tests, and the bookkeeping that closes them and removes their dirs afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src-main/core/logger.js';
import { type ComposedPeer, type ComposeOptions, composePeer } from '../../src-main/host/compose.js';

/**
 * A peer on 127.0.0.1 (a port the OS picks) in `dataDir`: peer mode, no bootstrap peers, a day's
 * retention, no log output and no NAT detection (which asks the bootstrap peers); `over` on top.
 */
export function loopbackOptions(dataDir: string, over: Partial<ComposeOptions> = {}): ComposeOptions {
  return {
    dataDir,
    host: '127.0.0.1',
    port: 0,
    bootstrap: false,
    bootstrapPeers: [],
    retentionSeconds: 86_400,
    logger: silentLogger,
    stun: false,
    ...over,
  };
}

/** One test's composed peers and temp dirs: `dispose()` (in afterEach) closes and removes them. */
export class ComposedPeers {
  private readonly open: ComposedPeer[] = [];
  private readonly dirs: string[] = [];

  /** A new temp dir under the OS's (`prefix` then random characters), removed by `dispose()`. */
  tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** Composes `loopbackOptions(dataDir, over)`; the peer is closed by `closeAll()` or `dispose()`. */
  async compose(dataDir: string, over: Partial<ComposeOptions> = {}): Promise<ComposedPeer> {
    return this.add(await composePeer(loopbackOptions(dataDir, over)));
  }

  /** Tracks a peer composed some other way (the desktop app's composition, say). */
  add(c: ComposedPeer): ComposedPeer {
    this.open.push(c);
    return c;
  }

  /** Closes one peer and stops tracking it (a restart composes it again). */
  async close(c: ComposedPeer): Promise<void> {
    await c.close();
    const i = this.open.indexOf(c);
    if (i >= 0) this.open.splice(i, 1);
  }

  /** Closes every tracked peer, in the order they were opened. */
  async closeAll(): Promise<void> {
    for (const c of this.open.splice(0)) await c.close();
  }

  /** Closes every tracked peer, then removes the temp dirs. */
  async dispose(): Promise<void> {
    await this.closeAll();
    for (const d of this.dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  }
}
