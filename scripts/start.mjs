// `npm start`: the desktop window where an Electron binary is installed; elsewhere the same
// peer with the same window served to a browser on 127.0.0.1 (--web). Extra arguments pass on.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);

function electronDir() {
  try {
    return path.dirname(require.resolve('electron/package.json'));
  } catch {
    return undefined;
  }
}

const dir = electronDir();
const hasElectron =
  dir !== undefined && existsSync(path.join(dir, 'path.txt')) && existsSync(path.join(dir, 'dist'));
const [command, commandArgs] = hasElectron
  ? [process.execPath, [path.join(dir, 'cli.js'), '.', ...args]]
  : [
      process.execPath,
      ['bin/nance.js', ...(args.some((a) => a.startsWith('--web')) ? [] : ['--web']), ...args],
    ];
if (!hasElectron) {
  console.error('nance: no Electron binary here; serving the window on 127.0.0.1 (open the "web" URL below)');
}
const child = spawn(command, commandArgs, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
