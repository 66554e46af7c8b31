// What every lab test checks before it runs: the lab can be built here (Linux, root, namespaces,
// nftables: `lab.sh check`), the build exists, and the test's own extra needs (a package).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const LAB = path.join(ROOT, 'test', 'natlab', 'lab.sh');

/**
 * One line saying why the lab test cannot run here, or undefined. `extra` checks come after the
 * lab's own and return their reason (e.g. a missing Debian package).
 */
export function labSkipReason(
  env: NodeJS.ProcessEnv,
  ...extra: (() => string | undefined)[]
): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root (ip netns, nftables)';
  const check = spawnSync('bash', [LAB, 'check'], { encoding: 'utf8', env });
  if (check.status !== 0)
    return (check.stdout || check.stderr || 'lab.sh check failed').trim().split('\n')[0];
  for (const reason of extra.map((f) => f())) if (reason) return reason;
  if (!existsSync(path.join(ROOT, 'build', 'src-main', 'host', 'cli', 'main.js'))) {
    return 'build/ missing (npm run build)';
  }
  return undefined;
}
