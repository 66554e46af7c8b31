// A stronger variant of test/cli/cli.test.ts's "kill -9 while posts stream in": 16 posts in flight
// at once (so kills land inside group commits), three kill -9 / restart cycles on the same port and
// data dir, the client retrying with the same z across the restarts. Afterwards the store opens
// cleanly and every post acknowledged with 0 is there exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBuilt, type NanceChild, startNance } from '../../bench/hardening-lib.mjs';

describe.skipIf(!isBuilt)(
  isBuilt ? 'crash safety' : 'crash safety [skipped: not built; run npm run build]',
  () => {
    it('three kill -9 cycles with 16 posts in flight: every acknowledged post stored exactly once', async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nance-crash-'));
      let host: NanceChild = await startNance({ dataDir });
      const client = await startNance({});
      try {
        const port = host.udp.port;
        const chat = await host.ok<{ uuid: string }>('createChat', {
          name: 'crash',
          message: 'start',
          author: 'host',
        });
        // A read pings the host first: one of ours, so posts to it are not paced as to a base peer.
        await client.ok('readChat', { host: { host: '127.0.0.1', port }, chatUuid: chat.uuid });
        const acked: string[] = [];
        let next = 0;
        let kills = 0;
        let restarting: Promise<void> | undefined;
        const TOTAL = 600;
        await Promise.all(
          Array.from({ length: 16 }, async () => {
            while (next < TOTAL) {
              const content = `p${next++}`;
              const reply = await client.call('postMessage', {
                host: { host: '127.0.0.1', port },
                chatUuid: chat.uuid,
                name: 'c',
                content,
              });
              if (reply.ok) acked.push(content);
              if (kills < 3 && acked.length >= (kills + 1) * 120 && !restarting) {
                kills++;
                const dying = host;
                restarting = (async () => {
                  await dying.stop('SIGKILL', true);
                  host = await startNance({ dataDir, port });
                  restarting = undefined;
                })();
              }
            }
          }),
        );
        await restarting;
        expect(kills).toBe(3);
        const stored = (
          await host.ok<{ messages: { content: string }[] }>('readChat', { host: null, chatUuid: chat.uuid })
        ).messages.map((m) => m.content);
        const counts = new Map<string, number>();
        for (const c of stored) counts.set(c, (counts.get(c) ?? 0) + 1);
        expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
        expect(acked.filter((c) => !counts.has(c))).toEqual([]);
        expect(acked.length).toBeGreaterThan(TOTAL * 0.9);
      } finally {
        await client.stop();
        await host.stop('SIGTERM', true);
        rmSync(dataDir, { recursive: true, force: true });
      }
    }, 90_000);
  },
);
