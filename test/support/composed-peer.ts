// Real peers composed as the CLI composes them (UDP on 127.0.0.1, SQLite and the identity file in a
// temp data dir) for tests, and the bookkeeping that closes them and removes their dirs afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src-main/core/logger.js';
import { type ComposedPeer, type ComposeOptions, composePeer } from '../../src-main/host/compose.js';
import type { CommandName, InviteDto, RoomDto } from '../../src-shared/api.js';

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

/** A command through the peer's service, as the window sends it; a refusal throws with its kind. */
export async function call<T>(peer: ComposedPeer, command: CommandName, args: unknown): Promise<T> {
  const reply = await peer.service.dispatch(command, args);
  if (!reply.ok) throw new Error(`${command}: ${reply.error.kind}: ${reply.error.message}`);
  return reply.result as T;
}

/**
 * A host with a private room (first post "first" by "host") and a guest that joined it by its
 * invite link; both sync only when told. `room` is the guest's view of it.
 */
export async function hostAndGuestOfRoom(
  peers: ComposedPeers,
  prefix: string,
  name: string,
): Promise<{ host: ComposedPeer; guest: ComposedPeer; room: RoomDto }> {
  const host = await peers.compose(peers.tempDir(`${prefix}-host-`), { syncIntervalMs: 600_000 });
  const guest = await peers.compose(peers.tempDir(`${prefix}-guest-`), { syncIntervalMs: 600_000 });
  const created = await call<{ uuid: string }>(host, 'createChat', {
    name,
    message: 'first',
    author: 'host',
    private: true,
  });
  const { link } = await call<InviteDto>(host, 'getInviteLink', { host: null, chatUuid: created.uuid });
  const room = await call<RoomDto>(guest, 'joinRoom', { link });
  return { host, guest, room };
}
