// The compiled main.js, run in plain Node with 'electron' resolved to a fake
// (test/support/fake-electron/): startup, the window's settings, IPC to a real peer, events,
// notifications, the tray, close-to-tray, the security handlers, quitting, and a restart on the
// same data dir. It checks our wiring, not Electron: what only a real Electron shows is listed in
// src-main/host/electron/README.md. Nothing here imports Electron.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatDto, IdentityDto, StatusDto } from '../../../src-shared/api.js';
import { loopbackOptions } from '../../../test/support/composed-peer.js';
import { type ComposedPeer, composePeer } from '../compose.js';
import { IDENTITY_FILE } from '../identity-file.js';
import { CONTENT_SECURITY_POLICY, windowWebPreferences } from '../shell/window-options.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const builtMain = path.join(root, 'build', 'src-main', 'host', 'electron', 'main.js');
const register = path.join(root, 'test', 'support', 'fake-electron', 'register.mjs');
const isBuilt = fs.existsSync(builtMain);
const suite = isBuilt ? 'electron main (fake Electron)' : 'electron main [skipped: run npm run build]';

type Line = { fake: string; [key: string]: unknown };

class App {
  readonly lines: Line[] = [];
  private waiters: { match: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  private nextId = 1;
  readonly exited: Promise<number | null>;

  constructor(
    readonly child: ChildProcess,
    readonly stderr: string[],
  ) {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        return;
      }
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(line)) return true;
        w.resolve(line);
        return false;
      });
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** The first line (already seen or coming) that matches. */
  waitFor(match: (l: Line) => boolean, what: string, timeoutMs = 10_000): Promise<Line> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}; stderr: ${this.stderr.join('')}`)),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  /** The next line from now on that matches. */
  next(match: (l: Line) => boolean, what: string): Promise<Line> {
    const from = this.lines.length;
    return this.waitFor((l) => this.lines.indexOf(l) >= from && match(l), what);
  }

  async act(what: string, args: Record<string, unknown> = {}): Promise<Line> {
    const id = this.nextId++;
    const done = this.waitFor((l) => l.fake === 'done' && l.id === id, `${what} #${id}`);
    this.child.stdin?.write(`${JSON.stringify({ do: what, id, ...args })}\n`);
    return done;
  }

  async call(cmd: string, args: unknown = {}, extra: Record<string, unknown> = {}) {
    const done = await this.act('call', { message: { cmd, args }, ...extra });
    return done.reply as { ok: boolean; result?: unknown; error?: { kind: string; message: string } };
  }

  lastTrayMenu(): { id?: string; type: string; label?: string; checked?: boolean }[] {
    const menus = this.lines.filter((l) => l.fake === 'trayMenu');
    return (menus.at(-1)?.items ?? []) as { id?: string; type: string; label?: string; checked?: boolean }[];
  }
}

let dir: string;
let apps: App[];
let others: ComposedPeer[];

function start(env: Record<string, string> = {}, args = ['--data-dir', dir]): App {
  const child = spawn(process.execPath, ['--import', register, builtMain, ...args], {
    cwd: root,
    env: { ...process.env, FAKE_USER_DATA: path.join(dir, 'default-user-data'), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const app = new App(child, stderr);
  apps.push(app);
  return app;
}

async function ready(app: App): Promise<StatusDto> {
  await app.waitFor((l) => l.fake === 'loadURL', 'the window loading');
  await app.waitFor((l) => l.fake === 'trayMenu', 'the tray menu');
  const reply = await app.call('getStatus');
  expect(reply.ok).toBe(true);
  return reply.result as StatusDto;
}

async function quit(app: App): Promise<void> {
  await app.act('quit');
  expect(await app.exited).toBe(0);
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-desktop-'));
  apps = [];
  others = [];
});

afterEach(async () => {
  for (const app of apps) if (app.child.exitCode === null) app.child.kill('SIGKILL');
  for (const peer of others) await peer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!isBuilt)(suite, () => {
  it('starts a sandboxed window on app://nance/index.html with the preload', async () => {
    const app = start();
    await ready(app);
    expect(app.lines.some((l) => l.fake === 'enableSandbox')).toBe(true);
    // The scheme is privileged before ready, handled after, and only then is the window loaded.
    const schemes = await app.waitFor((l) => l.fake === 'registerSchemesAsPrivileged', 'the app: scheme');
    expect(schemes).toMatchObject({
      beforeReady: true,
      schemes: [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }],
    });
    const handle = await app.waitFor((l) => l.fake === 'protocolHandle', 'protocol.handle');
    expect(handle.scheme).toBe('app');
    const load = await app.waitFor((l) => l.fake === 'loadURL', 'loadURL');
    expect(load).toMatchObject({ url: 'app://nance/index.html', handled: true });
    expect(app.lines.indexOf(schemes)).toBeLessThan(app.lines.indexOf(handle));
    expect(app.lines.indexOf(handle)).toBeLessThan(app.lines.indexOf(load));
    expect(app.lines.some((l) => l.fake === 'loadFile')).toBe(false);
    const win = (await app.waitFor((l) => l.fake === 'window', 'window')).options as {
      webPreferences: Record<string, unknown>;
    };
    const preload = win.webPreferences.preload as string;
    // Exactly the plain preferences (isolated, sandboxed, no Node, no webview tag …), nothing added.
    expect(win.webPreferences).toStrictEqual(windowWebPreferences(preload));
    expect(preload).toBe(path.join(root, 'build', 'src-main', 'host', 'electron', 'preload.cjs'));
    expect(fs.existsSync(preload)).toBe(true);
    // The data dir: the store, the log, and the UDP port for the next start.
    expect(fs.existsSync(path.join(dir, 'nance.db'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'logs'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'desktop.json'))).toBe(true);
    await quit(app);
  });

  it('IPC: commands reach the peer, bad ones and strangers are refused, events reach the window', async () => {
    const app = start();
    const status = await ready(app);
    expect(status.mode).toBe('peer');

    const unknown = await app.call('dropTables', {});
    expect(unknown.error).toEqual({ kind: 'invalid-argument', message: 'unknown command dropTables' });
    const bad = await app.call('setMode', { mode: 'root' });
    expect(bad.error?.kind).toBe('invalid-argument');
    const foreign = await app.call('getStatus', {}, { url: 'https://evil.example/' });
    expect(foreign.error?.kind).toBe('bad-request');
    // The page as it was loaded before app://, from file://, is a stranger now.
    const oldPage = pathToFileURL(path.join(root, 'build', 'renderer', 'index.html')).href;
    expect((await app.call('getStatus', {}, { url: oldPage })).error?.kind).toBe('bad-request');
    expect((await app.call('getStatus', {}, { url: 'app://nance/index.html#/chats' })).ok).toBe(true);
    const otherContents = await app.call('getStatus', {}, { sender: 'other' });
    expect(otherContents.error?.kind).toBe('bad-request');

    const changed = app.next(
      (l) => l.fake === 'send' && (l.message as { event: string }).event === 'chatsChanged',
      'chatsChanged to the window',
    );
    const created = await app.call('createChat', { name: 'Lunch', message: 'Noodles?', author: 'ann' });
    expect(created.ok).toBe(true);
    expect(await changed).toMatchObject({
      channel: 'nance:event',
      message: { event: 'chatsChanged', payload: {} },
    });
    const messages = await app.call('readChat', { host: null, chatUuid: (created.result as ChatDto).uuid });
    expect(messages.ok).toBe(true);
    await quit(app);
  });

  it('notifies for messages from others in the open chat only when the window is not focused', async () => {
    const app = start();
    const status = await ready(app);
    const created = await app.call('createChat', { name: 'Lunch', message: 'Noodles?', author: 'ann' });
    const chat = created.result as ChatDto;
    const ref = { host: null, chatUuid: chat.uuid };
    expect((await app.call('readChat', ref)).ok).toBe(true); // the window opens it
    const bob = await composePeer(loopbackOptions(fs.mkdtempSync(path.join(dir, 'bob-'))));
    others.push(bob);
    const ann = { host: '127.0.0.1', port: status.udp.port };
    const messageEvent = () =>
      app.next(
        (l) => l.fake === 'send' && (l.message as { event: string }).event === 'message',
        'message event',
      );

    // Her own post: the message event reaches the window, no notification.
    let event = messageEvent();
    expect((await app.call('postMessage', { ...ref, name: 'ann', content: 'me' })).ok).toBe(true);
    expect((await event).message).toEqual({ event: 'message', payload: ref });
    // Bob's, while she looks at the chat in the focused window: none either.
    event = messageEvent();
    await bob.peer.postMessage(ann, chat.uuid, 'bob', 'Yes!');
    await event;
    // Bob's, after she switched to another app: one.
    await app.act('blur');
    const notified = app.next((l) => l.fake === 'notification', 'a notification');
    await bob.peer.postMessage(ann, chat.uuid, 'bob', 'Where?');
    expect(await notified).toMatchObject({ title: 'Nance', body: 'New message in “\u2068Lunch\u2069”' });
    expect(app.lines.filter((l) => l.fake === 'notification')).toHaveLength(1);
    await quit(app);
  });

  it("notifies for a remote chat's new message found by the window's poll", async () => {
    const app = start();
    await ready(app);
    const bob = await composePeer(loopbackOptions(fs.mkdtempSync(path.join(dir, 'bob-'))));
    others.push(bob);
    const chat = await bob.peer.createChat('Bob’s chat', 'hello', 'bob');
    const ref = {
      host: { host: '127.0.0.1', port: bob.transport.localEndpoint().port },
      chatUuid: chat.uuid,
    };
    expect((await app.call('readChat', ref)).ok).toBe(true); // opened: the baseline
    await app.act('blur');
    expect((await app.call('readChat', ref)).ok).toBe(true); // a poll, nothing new
    await bob.peer.postMessage(null, chat.uuid, 'bob', 'anyone?');
    const notified = app.next((l) => l.fake === 'notification', 'a notification');
    expect((await app.call('readChat', ref)).ok).toBe(true); // the poll that finds it
    expect(await notified).toMatchObject({ title: 'Nance', body: 'New message in a chat' });
    expect(app.lines.filter((l) => l.fake === 'notification')).toHaveLength(1);
    await quit(app);
  });

  it('tray: bootstrap mode switches, persists and reaches the window; close hides to the tray', async () => {
    const app = start();
    const first = await ready(app);
    expect(app.lastTrayMenu().find((i) => i.id === 'bootstrap-mode')?.checked).toBe(false);

    const modeEvent = app.next(
      (l) => l.fake === 'send' && (l.message as { event: string }).event === 'modeChanged',
      'modeChanged to the window',
    );
    await app.act('trayClick', { item: 'bootstrap-mode' });
    expect((await modeEvent).message).toEqual({ event: 'modeChanged', payload: { mode: 'bootstrap' } });
    expect(app.lastTrayMenu().find((i) => i.id === 'bootstrap-mode')?.checked).toBe(true);

    expect(app.lastTrayMenu()[0]?.label).toBe('Hide Nance');
    expect(await app.act('closeWindow')).toMatchObject({ destroyed: false, visible: false });
    expect(app.lastTrayMenu()[0]?.label).toBe('Show Nance');
    expect(await app.act('secondInstance')).toMatchObject({ visible: true, focused: true });
    await quit(app);

    // The next start: bootstrap mode from the store, the same UDP port from desktop.json.
    const again = start();
    const second = await ready(again);
    expect(second.mode).toBe('bootstrap');
    expect(second.udp.port).toBe(first.udp.port);
    await quit(again);
  });

  it('identity: sealed by a real keychain and the same key after a restart; plain with basic_text', async () => {
    const app = start({ FAKE_SAFE_STORAGE: 'keychain' });
    await ready(app);
    const first = (await app.call('getIdentity')).result as IdentityDto;
    expect(app.lines.some((l) => l.fake === 'encryptString')).toBe(true);
    const file = JSON.parse(fs.readFileSync(path.join(dir, IDENTITY_FILE), 'utf8')) as { sealed?: boolean };
    expect(file.sealed).toBe(true);
    await quit(app);

    const again = start({ FAKE_SAFE_STORAGE: 'keychain' });
    await ready(again);
    expect(((await again.call('getIdentity')).result as IdentityDto).publicKey).toBe(first.publicKey);
    await quit(again);

    // The keychain gone (another session, a headless start): the app says why instead of making a new key.
    const noKeychain = start({ FAKE_SAFE_STORAGE: 'none' });
    expect(await noKeychain.exited).not.toBe(0);
    expect(noKeychain.lines.find((l) => l.fake === 'errorBox')?.content).toMatch(/sealed by the desktop app/);

    const otherDir = fs.mkdtempSync(path.join(dir, 'basic-'));
    const basic = start({ FAKE_SAFE_STORAGE: 'basic' }, ['--data-dir', otherDir]);
    await ready(basic);
    const plain = JSON.parse(fs.readFileSync(path.join(otherDir, IDENTITY_FILE), 'utf8')) as {
      sealed?: boolean;
    };
    expect(plain.sealed).toBeUndefined();
    expect(basic.lines.some((l) => l.fake === 'encryptString')).toBe(false);
    await quit(basic);
  });

  it('app://nance serves build/renderer with the CSP, and nothing outside it', async () => {
    const app = start();
    await ready(app);
    const index = await app.act('fetch', { url: 'app://nance/index.html' });
    expect(index.status).toBe(200);
    expect(index.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
    });
    expect(index.body).toBe(fs.readFileSync(path.join(root, 'build', 'renderer', 'index.html'), 'utf8'));
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(index.body as string)?.[1];
    expect(script).toBeDefined();
    const asset = await app.act('fetch', { url: `app://nance/${script}`, method: 'HEAD' });
    expect(asset).toMatchObject({ status: 200, body: '' });
    expect((asset.headers as Record<string, string>)['content-type']).toBe('text/javascript; charset=utf-8');
    for (const url of [
      'app://nance/../package.json',
      'app://nance/%2e%2e/%2e%2e/package.json',
      'app://nance/..%2f..%2fpackage.json',
      'app://other/index.html',
    ]) {
      const res = await app.act('fetch', { url });
      expect([403, 404], url).toContain(res.status);
      expect(res.body as string, url).not.toContain('"name": "nance"');
    }
    expect((await app.act('fetch', { url: 'app://nance/index.html', method: 'POST' })).status).toBe(405);
    await quit(app);
  });

  it('refuses permissions, new windows, navigation and webviews; sets the CSP on responses', async () => {
    const app = start();
    await ready(app);
    expect(await app.act('permission', { permission: 'media' })).toMatchObject({ granted: false });
    expect(await app.act('permissionCheck')).toMatchObject({ granted: false });
    expect(await app.act('open', { url: 'https://example.com/' })).toMatchObject({ action: 'deny' });
    expect(await app.act('navigate', { url: 'https://example.com/' })).toMatchObject({ prevented: true });
    expect(await app.act('webview')).toMatchObject({ prevented: true });
    const headers = await app.act('headers', {
      responseHeaders: { 'content-security-policy': ['default-src *'], 'x-a': ['1'] },
    });
    expect(headers.responseHeaders).toEqual({
      'x-a': ['1'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
    await quit(app);
  });

  it('opens a clicked http/https link in the browser only after the person confirms; other schemes never', async () => {
    const app = start();
    await ready(app);
    const asked = () => app.lines.filter((l) => l.fake === 'messageBox').length;
    const opened = () => app.lines.filter((l) => l.fake === 'openExternal').map((l) => l.url);
    for (const url of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,<b>x</b>',
      'nance://join/x',
    ]) {
      expect(await app.act('open', { url })).toMatchObject({ action: 'deny' });
    }
    // Refused ones are not even asked about.
    await new Promise((r) => setTimeout(r, 100));
    expect(asked()).toBe(0);
    // "Cancel" (the default button): nothing opens.
    let box = app.next((l) => l.fake === 'messageBox', 'the confirm dialog');
    await app.act('open', { url: 'https://example.com/a?b=1' });
    expect((await box).detail).toBe('https://example.com/a?b=1');
    await new Promise((r) => setTimeout(r, 100));
    expect(opened()).toEqual([]);
    // "Open": the system's browser gets exactly the address shown.
    await app.act('dialogAnswer', { response: 1 });
    const open = app.next((l) => l.fake === 'openExternal', 'openExternal');
    box = app.next((l) => l.fake === 'messageBox', 'the confirm dialog');
    expect(await app.act('open', { url: 'http://example.org/x' })).toMatchObject({ action: 'deny' });
    await box;
    expect((await open).url).toBe('http://example.org/x');
    expect(opened()).toEqual(['http://example.org/x']);
    await quit(app);
  });

  it('shows the unread total the window puts in its title as the app badge', async () => {
    const app = start();
    await ready(app);
    let badge = app.next((l) => l.fake === 'badge', 'the badge');
    await app.act('title', { title: '(7) Nance — chat without a server' });
    expect((await badge).count).toBe(7);
    badge = app.next((l) => l.fake === 'badge', 'the badge');
    await app.act('title', { title: 'Nance — chat without a server' });
    expect((await badge).count).toBe(0);
    await quit(app);
  });

  it('Japanese system: Japanese tray labels', async () => {
    const app = start({ FAKE_LANGS: 'ja-JP,en-US' });
    await ready(app);
    expect(app.lastTrayMenu().map((i) => i.label)).toContain('ブートストラップモード');
    await quit(app);
  });

  it('a second instance on the same data dir leaves at once without opening anything', async () => {
    const app = start({ FAKE_LOCK: 'taken' });
    expect(await app.exited).toBe(0);
    // The lock is asked for with userData already moved to the data dir: one app per data dir.
    expect(app.lines.find((l) => l.fake === 'lock')).toMatchObject({ userData: dir });
    expect(app.lines.some((l) => l.fake === 'window' || l.fake === 'tray')).toBe(false);
    expect(fs.existsSync(path.join(dir, 'nance.db'))).toBe(false);
  });

  it('a UDP port that is taken: it binds another and remembers it', async () => {
    const app = start();
    const first = await ready(app);
    // A second app on another data dir that remembers the same port.
    const otherDir = path.join(dir, 'other');
    fs.mkdirSync(otherDir);
    fs.writeFileSync(path.join(otherDir, 'desktop.json'), JSON.stringify({ udpPort: first.udp.port }));
    const other = start({}, ['--data-dir', otherDir]);
    const second = await ready(other);
    expect(second.udp.port).not.toBe(first.udp.port);
    const saved = JSON.parse(fs.readFileSync(path.join(otherDir, 'desktop.json'), 'utf8')) as {
      udpPort: number;
    };
    expect(saved.udpPort).toBe(second.udp.port);
    await quit(other);
    await quit(app);
  });

  it('one IPC entry point: only the call channel is handled, a subframe of our page is a stranger, events go on the event channel only', async () => {
    const app = start();
    await ready(app);
    expect(await app.act('ipcChannels')).toMatchObject({ channels: ['nance:call'] });
    expect((await app.call('getStatus', {}, { subframe: true })).error?.kind).toBe('bad-request');
    const changed = app.next(
      (l) => l.fake === 'send' && (l.message as { event: string }).event === 'chatsChanged',
      'chatsChanged to the window',
    );
    await app.call('createChat', { name: 'Lunch', message: 'Noodles?', author: 'ann' });
    await changed;
    const sends = app.lines.filter((l) => l.fake === 'send');
    expect(sends.map((l) => l.channel)).toEqual(sends.map(() => 'nance:event'));
    await quit(app);
  });

  it('quitting closes the peer: the store is closed cleanly (its write-ahead log folded in)', async () => {
    const app = start();
    await ready(app);
    expect((await app.call('createChat', { name: 'Lunch', message: 'Noodles?', author: 'ann' })).ok).toBe(
      true,
    );
    expect(fs.existsSync(path.join(dir, 'nance.db-wal'))).toBe(true);
    await quit(app);
    // SQLite removes the WAL file only when the last connection closes; a killed store leaves it.
    expect(fs.existsSync(path.join(dir, 'nance.db-wal'))).toBe(false);
  });
});
