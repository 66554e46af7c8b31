// The helpers of the packaged-app smoke suite (e2e/electron/packaged.ts), checked here without a
// packaged app: the binary found in electron-builder's layouts, fuses read from stand-in binaries,
// the UDP port check on real sockets, and the smoke hook driving the built main.js under the fake
// Electron (test/support/fake-electron/), as the workflow drives the packaged app.
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as electronFuses from '@electron/fuses';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EXPECTED_FUSES,
  eventually,
  findPackagedApp,
  readFuses,
  SmokeHook,
  udpPortFree,
} from '../../e2e/electron/packaged.js';
import { ROOT, requireFromRoot, standInElectronBytes } from '../packaging/support.js';

const fuseScript = requireFromRoot('./scripts/fuses.cjs') as {
  fuseConfigFor: (fuses: typeof electronFuses, platform: string, arch: string) => Record<string, unknown>;
};
const builtMain = path.join(ROOT, 'build', 'src-main', 'host', 'electron', 'main.js');
const register = path.join(ROOT, 'test', 'support', 'fake-electron', 'register.mjs');

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-smoke-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

const put = (rel: string, bytes: Buffer | string = 'x') => {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
};

describe('findPackagedApp', () => {
  it('is null without NANCE_PACKAGED_APP', () => {
    expect(findPackagedApp({}, 'linux')).toBeNull();
    expect(findPackagedApp({ NANCE_PACKAGED_APP: '' }, 'linux')).toBeNull();
  });

  it("finds the binary in each OS's unpacked folder", () => {
    const linux = put('linux-unpacked/nance');
    expect(findPackagedApp({ NANCE_PACKAGED_APP: path.join(dir, 'linux-unpacked') }, 'linux')).toEqual({
      executable: linux,
      fuseTarget: linux,
    });
    const win = put('win-unpacked/Nance.exe');
    expect(findPackagedApp({ NANCE_PACKAGED_APP: path.join(dir, 'win-unpacked') }, 'win32')).toEqual({
      executable: win,
      fuseTarget: win,
    });
    const mac = put('mac-arm64/Nance.app/Contents/MacOS/Nance');
    expect(findPackagedApp({ NANCE_PACKAGED_APP: path.join(dir, 'mac-arm64') }, 'darwin')).toEqual({
      executable: mac,
      fuseTarget: path.join(dir, 'mac-arm64', 'Nance.app'),
    });
    // The executable itself; inside a bundle, the fuses are read from the bundle.
    expect(findPackagedApp({ NANCE_PACKAGED_APP: mac }, 'darwin')?.fuseTarget).toBe(
      path.join(dir, 'mac-arm64', 'Nance.app'),
    );
    expect(findPackagedApp({ NANCE_PACKAGED_APP: linux }, 'linux')).toEqual({
      executable: linux,
      fuseTarget: linux,
    });
  });

  it('fails loudly when the path is set but holds no app', () => {
    expect(() => findPackagedApp({ NANCE_PACKAGED_APP: path.join(dir, 'nothing') }, 'linux')).toThrow(
      /no such/,
    );
    fs.mkdirSync(path.join(dir, 'empty'));
    expect(() => findPackagedApp({ NANCE_PACKAGED_APP: path.join(dir, 'empty') }, 'win32')).toThrow(
      /Nance\.exe/,
    );
  });
});

describe('readFuses', () => {
  it('reads a binary flipped as scripts/fuses.cjs says as expected, and an unflipped one not', async () => {
    const flipped = put('flipped/nance', standInElectronBytes());
    await electronFuses.flipFuses(flipped, fuseScript.fuseConfigFor(electronFuses, 'linux', 'x64') as never);
    expect(await readFuses(flipped)).toEqual(EXPECTED_FUSES);
    const stock = put('stock/nance', standInElectronBytes());
    const fuses = await readFuses(stock);
    expect(fuses).not.toEqual(EXPECTED_FUSES);
    expect(fuses.RunAsNode).toBe(true); // Electron's default: the binary doubles as Node
  });
});

describe('udpPortFree', () => {
  it('is false while a socket holds the port and true once it is closed', async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '0.0.0.0', resolve));
    const { port } = socket.address();
    expect(await udpPortFree(port)).toBe(false);
    await new Promise<void>((resolve) => socket.close(resolve));
    expect(await udpPortFree(port)).toBe(true);
  });
});

describe.skipIf(!fs.existsSync(builtMain))(
  'SmokeHook against the built main.js under the fake Electron',
  () => {
    function start(env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null> } {
      const child = spawn(process.execPath, ['--import', register, builtMain, '--data-dir', dir], {
        cwd: ROOT,
        env: { ...process.env, FAKE_USER_DATA: path.join(dir, 'user-data'), ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      children.push(child);
      return { child, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
    }

    it('reads the tray, switches bootstrap mode, hides the window on close, and quits freeing the port', async () => {
      const { child, exited } = start({ NANCE_SMOKE_HOOK: '1' });
      const hook = new SmokeHook(child);
      // The hook answers once main is ready (it starts with the tray and the window).
      let items = await eventually(
        async () => (await hook.trayItems().catch(() => null)) !== null,
        15_000,
      ).then(() => hook.trayItems());
      expect(items?.find((i) => i.id === 'bootstrap-mode')?.checked).toBe(false);
      expect(await hook.trayClick('bootstrap-mode')).toBe(true);
      items = await hook.trayItems();
      expect(items?.find((i) => i.id === 'bootstrap-mode')?.checked).toBe(true);

      expect(await hook.window()).toEqual(expect.objectContaining({ exists: true, visible: true }));
      expect(await hook.closeWindow()).toEqual(expect.objectContaining({ exists: true, visible: false }));
      expect(child.exitCode).toBeNull(); // still running, in the tray

      const { udpPort } = JSON.parse(fs.readFileSync(path.join(dir, 'desktop.json'), 'utf8')) as {
        udpPort: number;
      };
      expect(await udpPortFree(udpPort)).toBe(false);
      expect(await hook.trayClick('quit')).toBe(true);
      expect(await exited).toBe(0);
      expect(await udpPortFree(udpPort)).toBe(true);
    });

    it('is off without NANCE_SMOKE_HOOK=1: nothing answers', async () => {
      const { child } = start({});
      const hook = new SmokeHook(child);
      // Wait for main to be up (the fake reports the tray menu), then ask.
      await new Promise<void>((resolve) => {
        child.stdout?.on('data', (d: Buffer) => {
          if (d.toString().includes('"trayMenu"')) resolve();
        });
      });
      await expect(hook.request('tray', {}, 1_500)).rejects.toThrow(/did not answer/);
    });
  },
);
