// Logs go to a size-rotated JSON file in the data dir (stdout is for the ready line and stdio).
import path from 'node:path';
import pino from 'pino';
import pinoRoll from 'pino-roll';

export async function createFileLogger(dataDir: string, level: string): Promise<pino.Logger> {
  const stream = await pinoRoll({
    file: path.join(dataDir, 'logs', 'nance.log'),
    size: '10m',
    limit: { count: 5 },
    mkdir: true,
  });
  return pino({ level, base: { pid: process.pid } }, stream);
}
