// The preload, compiled as tsc compiles it (a .cts → CommonJS) and run as Electron's sandbox runs
// it: wrapped with a `require` that knows only 'electron', here a fake one. Nothing here imports
// Electron.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { NanceApi } from '../../../src-shared/api.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const source = fs.readFileSync(path.join(here, 'preload.cts'), 'utf8');

function compile(): string {
  return ts.transpileModule(source, {
    fileName: 'preload.cts',
    compilerOptions: {
      module: ts.ModuleKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
    },
  }).outputText;
}

type Listener = (event: unknown, message: unknown) => void;

function fakeElectron(invoke: (channel: string, message: unknown) => Promise<unknown>) {
  const listeners = new Map<string, Set<Listener>>();
  const exposed: Record<string, unknown> = {};
  const ipcRenderer = {
    invoke,
    on(channel: string, listener: Listener) {
      const set = listeners.get(channel) ?? new Set<Listener>();
      listeners.set(channel, set);
      set.add(listener);
      return ipcRenderer;
    },
    removeListener(channel: string, listener: Listener) {
      listeners.get(channel)?.delete(listener);
      return ipcRenderer;
    },
    send() {
      throw new Error('the preload must not use send');
    },
    sendSync() {
      throw new Error('the preload must not use sendSync');
    },
  };
  const contextBridge = {
    exposeInMainWorld(key: string, api: unknown) {
      exposed[key] = api;
    },
  };
  const emit = (channel: string, message: unknown) => {
    for (const l of listeners.get(channel) ?? []) l({ sender: 'main' }, message);
  };
  return { electron: { contextBridge, ipcRenderer }, exposed, emit, listeners, ipcRenderer };
}

function load(invoke: (channel: string, message: unknown) => Promise<unknown> = async () => null) {
  const fake = fakeElectron(invoke);
  const required: string[] = [];
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name === 'electron') return fake.electron;
    throw new Error(`module not found: ${name}`);
  };
  const exports = {};
  // Electron's sandboxed preload wrapper passes require, exports and module (among others).
  new Function('require', 'exports', 'module', compile())(sandboxRequire, exports, { exports });
  return { ...fake, required, api: fake.exposed.nance as NanceApi };
}

describe('preload', () => {
  it('is CommonJS that requires only electron', () => {
    const code = compile();
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect([...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(load().required).toEqual(['electron']);
  });

  it('exposes only window.nance, with exactly call and on', () => {
    const { exposed, api, ipcRenderer } = load();
    expect(Object.keys(exposed)).toEqual(['nance']);
    expect(Object.keys(api).sort()).toEqual(['call', 'on']);
    expect(typeof api.call).toBe('function');
    expect(typeof api.on).toBe('function');
    expect(Object.values(api)).not.toContain(ipcRenderer);
  });

  it('call(command, args) invokes nance:call with {cmd, args} and resolves to the reply', async () => {
    const calls: [string, unknown][] = [];
    const { api } = load(async (channel, message) => {
      calls.push([channel, message]);
      return { ok: true, result: { mode: 'peer' } };
    });
    const reply = await api.call('setMode', { mode: 'peer' });
    expect(calls).toEqual([['nance:call', { cmd: 'setMode', args: { mode: 'peer' } }]]);
    expect(reply).toEqual({ ok: true, result: { mode: 'peer' } });
  });

  it('a call main does not answer resolves to a typed error, never rejects', async () => {
    const { api } = load(() => Promise.reject(new Error('No handler registered for nance:call')));
    const reply = await api.call('getStatus', {});
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error.kind).toBe('closed');
      expect(reply.error.message).toMatch(/No handler registered/);
    }
  });

  it('on(event) passes on payloads of that event only; the returned function unsubscribes', () => {
    const { api, emit, listeners } = load();
    const got: unknown[] = [];
    const off = api.on('message', (p) => got.push(p));
    emit('nance:event', { event: 'message', payload: { host: null, chatUuid: 'a' } });
    emit('nance:event', { event: 'chatsChanged', payload: {} });
    emit('nance:event', null);
    emit('nance:event', 'message');
    emit('other-channel', { event: 'message', payload: { host: null, chatUuid: 'x' } });
    expect(got).toEqual([{ host: null, chatUuid: 'a' }]);
    off();
    off();
    emit('nance:event', { event: 'message', payload: { host: null, chatUuid: 'b' } });
    expect(got).toHaveLength(1);
    expect(listeners.get('nance:event')?.size).toBe(0);
  });

  it('listeners are independent: unsubscribing one leaves the others', () => {
    const { api, emit } = load();
    const a: unknown[] = [];
    const b: unknown[] = [];
    const offA = api.on('modeChanged', (p) => a.push(p));
    api.on('modeChanged', (p) => b.push(p));
    offA();
    emit('nance:event', { event: 'modeChanged', payload: { mode: 'bootstrap' } });
    expect(a).toEqual([]);
    expect(b).toEqual([{ mode: 'bootstrap' }]);
  });
});

describe('build', () => {
  it('tsconfig.build.json compiles the preload (a .cts, emitted as .cjs)', () => {
    const configFile = path.join(root, 'tsconfig.build.json');
    const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root);
    const files = parsed.fileNames.map((f) => path.relative(root, f).split(path.sep).join('/'));
    expect(files).toContain('src-main/host/electron/preload.cts');
    expect(files).toContain('src-main/host/electron/main.ts');
    expect(files.some((f) => f.endsWith('.test.ts'))).toBe(false);
    expect(parsed.options.module).toBe(ts.ModuleKind.NodeNext);
  });

  it('package.json starts the desktop app from the compiled main', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      main: string;
      type: string;
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(pkg.main).toBe('build/src-main/host/electron/main.js');
    expect(pkg.type).toBe('module');
    expect(pkg.scripts['start:desktop']).toBe('npm run build && electron .');
    expect(Object.keys(pkg.dependencies)).not.toContain('@electron/remote');
  });
});
