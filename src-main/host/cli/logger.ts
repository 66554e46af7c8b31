// Logs go to a size-rotated JSON file, <data dir>/logs/nance.N.log (stdout is for the ready line
// and stdio). N grows on rotation and continues across restarts.
import path from 'node:path';
import pino from 'pino';
import pinoRoll from 'pino-roll';

export interface LogRotation {
  /** Size of one file before the next one is started, in pino-roll's notation ('10m', '512k'). */
  size: string;
  /** Older files kept besides the current one; the oldest beyond that are deleted on rotation. */
  count: number;
}

export const DEFAULT_ROTATION: LogRotation = { size: '10m', count: 5 };

export interface FileLogger {
  logger: pino.Logger;
  /**
   * Silences the logger, writes what is still buffered and closes the file. Never rejects, and
   * resolves within `timeoutMs` even if the disk does not answer, so shutdown cannot hang on it.
   */
  close(timeoutMs?: number): Promise<void>;
}

export async function createFileLogger(
  dataDir: string,
  level: string,
  rotation: LogRotation = DEFAULT_ROTATION,
): Promise<FileLogger> {
  const base = path.join(dataDir, 'logs', 'nance.log');
  const stream = await pinoRoll({
    file: base,
    size: rotation.size,
    // removeOtherLogFiles: count the files already in the dir too, or every restart (which starts a
    // new list of "files created by this process") would leave the previous run's files forever.
    limit: { count: rotation.count, removeOtherLogFiles: true },
    mkdir: true,
  });
  // A failing log file (disk full, dir removed) must not take the peer down: say it once, go on.
  let reported = false;
  stream.on('error', (err: Error) => {
    if (reported) return;
    reported = true;
    process.stderr.write(`nance: cannot write the log file in ${path.dirname(base)}: ${err.message}\n`);
  });
  const logger = pino({ level, base: { pid: process.pid } }, stream);

  let closing: Promise<void> | undefined;
  const close = (timeoutMs = 1000): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      // Later log calls would write to an ended stream, which throws: drop them instead.
      logger.level = 'silent';
      const timer = setTimeout(resolve, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      stream.once('close', done);
      stream.once('error', done);
      try {
        stream.end(); // writes what is buffered, fsyncs, closes
      } catch {
        done(); // already destroyed
      }
    });
    return closing;
  };
  return { logger, close };
}
