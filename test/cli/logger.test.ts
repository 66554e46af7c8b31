// The CLI's file logger (pino + pino-roll): JSON lines under <data dir>/logs, size rotation with a
// bounded number of files (also across restarts), and a close that flushes and never hangs.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileLogger } from '../../src-main/host/cli/logger.js';
import { cleanupAll, eventually, tempDataDir } from './cli-harness.js';

const LOG_FILE = /^nance\.(\d+)\.log$/;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function logFiles(dataDir: string): Promise<string[]> {
  const names = await readdir(path.join(dataDir, 'logs'));
  return names
    .filter((n) => LOG_FILE.test(n))
    .sort((a, b) => Number(LOG_FILE.exec(a)?.[1]) - Number(LOG_FILE.exec(b)?.[1]));
}

async function lines(dataDir: string, file: string): Promise<{ i?: number; msg?: string }[]> {
  const text = await readFile(path.join(dataDir, 'logs', file), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('CLI file logger', () => {
  afterAll(cleanupAll);

  it('writes JSON lines and flushes everything buffered on close', async () => {
    const dir = await tempDataDir();
    const { logger, close } = await createFileLogger(dir, 'info');
    for (let i = 0; i < 2000; i++) logger.info({ i }, 'burst');
    await close(); // straight away: most of the burst is still buffered
    const files = await logFiles(dir);
    expect(files).toEqual(['nance.1.log']);
    const got = await lines(dir, 'nance.1.log');
    expect(got.map((l) => l.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    // Closing twice and logging after close are harmless.
    await close();
    expect(() => logger.info({}, 'late')).not.toThrow();
  });

  it('rotates by size and keeps the current file plus `count` older ones', async () => {
    const dir = await tempDataDir();
    const { logger, close } = await createFileLogger(dir, 'info', { size: '2k', count: 3 });
    const filler = 'x'.repeat(200);
    for (let i = 0; i < 150; i++) {
      logger.info({ i, filler }, 'line');
      if (i % 5 === 4) await pause(2); // let writes complete so pino-roll sees sizes and rolls
    }
    await eventually(
      async () => ((await logFiles(dir)).length <= 4 ? true : undefined),
      'old files removed',
      {
        timeoutMs: 3000,
        intervalMs: 50,
      },
    );
    await close();
    const files = await logFiles(dir);
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(files.length).toBeLessThanOrEqual(4);
    expect(files).not.toContain('nance.1.log'); // it rotated well past the first file
    // The newest lines survive, in order, ending with the last one written.
    const kept = (await Promise.all(files.map((f) => lines(dir, f)))).flat().map((l) => l.i);
    expect(kept.at(-1)).toBe(149);
    expect(kept).toEqual([...kept].sort((a, b) => (a ?? 0) - (b ?? 0)));
  });

  it('also removes files left by earlier runs, and continues their numbering', async () => {
    const dir = await tempDataDir();
    await mkdir(path.join(dir, 'logs'));
    for (let n = 1; n <= 8; n++) {
      await writeFile(path.join(dir, 'logs', `nance.${n}.log`), `${JSON.stringify({ msg: `old ${n}` })}\n`);
    }
    const { logger, close } = await createFileLogger(dir, 'info', { size: '1k', count: 2 });
    const filler = 'y'.repeat(300);
    for (let i = 0; i < 20; i++) {
      logger.info({ i, filler }, 'line');
      await pause(2);
    }
    await eventually(async () => ((await logFiles(dir)).length <= 3 ? true : undefined), 'old runs removed', {
      timeoutMs: 3000,
      intervalMs: 50,
    });
    await close();
    const files = await logFiles(dir);
    expect(files.length).toBeLessThanOrEqual(3);
    for (const f of files) expect(Number(LOG_FILE.exec(f)?.[1])).toBeGreaterThan(8);
  });
});
