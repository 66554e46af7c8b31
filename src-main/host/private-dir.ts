// The data dir holds chats, known peers and logs: only its owner may read them (dir 0700, files
// 0600), in the CLI and the desktop app alike, including what an older version left wider open.
import fs from 'node:fs';
import path from 'node:path';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/**
 * Creates `dir` if needed and makes it and everything in it private to this user. Also sets the
 * process umask to 077, so every file written later (the SQLite db with its -wal and -shm, log files
 * on rotation, the desktop app's settings and Chromium's own files) is created private too.
 */
export function preparePrivateDir(dir: string): void {
  process.umask(0o077);
  fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  tighten(dir);
}

/** Symlinks are left alone: what they point to is not ours to change. */
function tighten(target: string): void {
  const stat = fs.lstatSync(target);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== DIR_MODE) fs.chmodSync(target, DIR_MODE);
    for (const entry of fs.readdirSync(target)) tighten(path.join(target, entry));
  } else if ((stat.mode & 0o077) !== 0) {
    fs.chmodSync(target, stat.mode & FILE_MODE);
  }
}
