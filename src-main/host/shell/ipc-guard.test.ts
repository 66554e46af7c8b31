import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandArgs } from '../../../src-shared/api.js';
import { APP_INDEX_URL } from './app-protocol.js';
import { isTrustedSender, validateIpcCall, validateIpcMessage } from './ipc-guard.js';

const index = 'app://nance/index.html';

describe('isTrustedSender', () => {
  it('our index.html on app://nance, also after an in-page (fragment) navigation', () => {
    expect(APP_INDEX_URL).toBe(index);
    expect(isTrustedSender(index)).toBe(true);
    expect(isTrustedSender(`${index}#/chats`)).toBe(true);
    expect(isTrustedSender(`${index}#`)).toBe(true);
    expect(isTrustedSender('app://nance/sub/../index.html')).toBe(true); // URL-normalised, as Chromium does
  });

  it('the old file:// page is refused, wherever it is', () => {
    for (const file of [
      '/opt/Nance/resources/app.asar/build/renderer/index.html',
      '/home/a b/Nance ü/build/renderer/index.html',
      '/tmp/index.html',
    ]) {
      expect(isTrustedSender(pathToFileURL(file).href), file).toBe(false);
    }
    expect(isTrustedSender('file:///index.html')).toBe(false);
    expect(isTrustedSender('file://nance/index.html')).toBe(false);
  });

  it('any other page of our origin, or ours with a query, is refused', () => {
    for (const url of [
      'app://nance/',
      'app://nance',
      'app://nance/index.htm',
      'app://nance/index.html/',
      'app://nance/other.html',
      'app://nance/assets/index.js',
      'app://nance/build/renderer/index.html',
      `${index}?x=1`,
      `${index}?`,
      'app://nance/%69ndex.html',
    ]) {
      expect(isTrustedSender(url), url).toBe(false);
    }
  });

  it('other schemes, hosts, ports and user info (a navigated or injected frame) are refused', () => {
    for (const url of [
      'app://evil/index.html',
      'app://nance.evil/index.html',
      'app://NANCE/index.html',
      'app://nance:1/index.html',
      'app://user@nance/index.html',
      'app://user:pw@nance/index.html',
      'apps://nance/index.html',
      'http://nance/index.html',
      'https://nance/index.html',
      'http://127.0.0.1:8080/index.html',
      'https://example.com/build/renderer/index.html',
      'about:blank',
      'data:text/html,<script>1</script>',
      'blob:app://nance/1234',
      'devtools://devtools/bundled/index.html',
      'chrome-extension://abc/index.html',
      '',
      'not a url',
    ]) {
      expect(isTrustedSender(url), url).toBe(false);
    }
  });
});

describe('validateIpcCall', () => {
  it('accepts every command of the contract with valid arguments', () => {
    expect(validateIpcCall('getStatus', {})).toEqual({ ok: true, command: 'getStatus', args: {} });
    expect(validateIpcCall('listChats', undefined)).toEqual({ ok: true, command: 'listChats', args: {} });
    expect(validateIpcCall('setMode', { mode: 'bootstrap' })).toEqual({
      ok: true,
      command: 'setMode',
      args: { mode: 'bootstrap' },
    });
  });

  it('returns the parsed arguments (trimmed as the contract says)', () => {
    const check = validateIpcCall('createChat', { name: '  Lunch ', message: 'hi', author: ' me ' });
    expect(check).toEqual({
      ok: true,
      command: 'createChat',
      args: { name: 'Lunch', message: 'hi', author: 'me' },
    });
  });

  it('unknown channels (commands) are refused, inherited names included', () => {
    for (const cmd of ['deleteEverything', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      const check = validateIpcCall(cmd, {});
      expect(check.ok, cmd).toBe(false);
      if (!check.ok)
        expect(check.error).toEqual({ kind: 'invalid-argument', message: `unknown command ${cmd}` });
    }
  });

  it('a command name that is not a short string is refused', () => {
    for (const cmd of [undefined, null, 1, {}, '', 'x'.repeat(65)]) {
      expect(validateIpcCall(cmd, {}).ok).toBe(false);
    }
  });

  it('arguments that break the schema are refused with the field named', () => {
    const check = validateIpcCall('setMode', { mode: 'root' });
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.error.kind).toBe('invalid-argument');
      expect(check.error.message).toMatch(/^mode: /);
    }
    expect(validateIpcCall('readChat', { host: { host: 'evil', port: 1 }, chatUuid: 'a' }).ok).toBe(false);
    expect(validateIpcCall('postMessage', 'text').ok).toBe(false);
  });

  it('knows exactly the commands of the contract', () => {
    for (const name of Object.keys(commandArgs)) {
      // Each is known: whatever it says, it is not "unknown command".
      const check = validateIpcCall(name, {});
      if (!check.ok) expect(check.error.message).not.toMatch(/unknown command/);
    }
  });
});

describe('validateIpcMessage', () => {
  it('takes {cmd, args}', () => {
    expect(validateIpcMessage({ cmd: 'getStatus', args: {} }).ok).toBe(true);
    expect(validateIpcMessage({ cmd: 'getStatus' }).ok).toBe(true);
  });

  it('checks the call inside: a bad command or bad arguments are refused with the reason', () => {
    expect(validateIpcMessage({ args: {} })).toEqual({
      ok: false,
      error: { kind: 'invalid-argument', message: 'cmd: expected a command name of at most 64 characters' },
    });
    expect(validateIpcMessage({ cmd: 'dropTables', args: {} })).toEqual({
      ok: false,
      error: { kind: 'invalid-argument', message: 'unknown command dropTables' },
    });
    const bad = validateIpcMessage({ cmd: 'setMode', args: { mode: 'root' } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/^mode: /);
  });

  it('passes on only the parsed arguments: trimmed, and without fields the contract does not name', () => {
    expect(
      validateIpcMessage({
        cmd: 'createChat',
        args: { name: ' Lunch ', message: 'hi', author: 'me', admin: true },
        extra: 'ignored',
      }),
    ).toEqual({ ok: true, command: 'createChat', args: { name: 'Lunch', message: 'hi', author: 'me' } });
  });

  it('refuses anything that is not a plain object', () => {
    for (const message of [null, undefined, 'getStatus', 3, ['getStatus', {}]]) {
      expect(validateIpcMessage(message).ok).toBe(false);
    }
  });
});
