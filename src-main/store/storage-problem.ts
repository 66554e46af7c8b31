// Which SQLite failures mean "the storage cannot take writes" (the window says so), as opposed to
// a bug in a statement, which is only thrown.
import type { StorageHealth } from '../core/ports.js';

export type StorageProblem = NonNullable<StorageHealth['problem']>;

/** The storage condition behind a better-sqlite3 error, or undefined when it is not one. */
export function storageProblem(err: unknown): StorageProblem | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  // SHMSIZE: the -shm file could not grow, which on a working disk means it is full.
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_SHMSIZE') return 'disk-full';
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code.startsWith('SQLITE_CANTOPEN')) {
    return 'read-only';
  }
  if (code.startsWith('SQLITE_IOERR')) return 'io-error';
  return undefined;
}
