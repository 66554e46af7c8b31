import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandArgs } from '../../../src-shared/api.js';
import {
  CALL_CHANNEL,
  EVENT_CHANNEL,
  isEventMessage,
  isTrustedSender,
  validateIpcCall,
  validateIpcMessage,
} from './ipc-guard.js';

const index = pathToFileURL('/opt/Nance/resources/app.asar/build/renderer/index.html').href;

describe('isTrustedSender', () => {
  it('our index.html, also after an in-page (fragment) navigation', () => {
    expect(isTrustedSender(index, index)).toBe(true);
    expect(isTrustedSender(`${index}#/chats`, index)).toBe(true);
  });

  it('percent-encoding differences in the path do not matter', () => {
    const spaced = pathToFileURL('/home/a b/Nance ü/build/renderer/index.html').href;
    expect(isTrustedSender('file:///home/a%20b/Nance%20%C3%BC/build/renderer/index.html', spaced)).toBe(true);
    expect(isTrustedSender('file:///home/a b/Nance ü/build/renderer/index.html', spaced)).toBe(true);
  });

  it('any other file, or our file with a query, is refused', () => {
    expect(
      isTrustedSender(pathToFileURL('/opt/Nance/resources/app.asar/build/renderer/other.html').href, index),
    ).toBe(false);
    expect(isTrustedSender(pathToFileURL('/tmp/index.html').href, index)).toBe(false);
    expect(isTrustedSender(`${index}?x=1`, index)).toBe(false);
    expect(isTrustedSender(index.replace('index.html', 'sub/../index.html'), index)).toBe(true); // URL-normalised
    expect(isTrustedSender(index.replace('index.html', 'index.html/'), index)).toBe(false);
  });

  it('other schemes and hosts (a navigated or injected frame) are refused', () => {
    for (const url of [
      'http://127.0.0.1:8080/index.html',
      'https://example.com/build/renderer/index.html',
      'about:blank',
      'data:text/html,<script>1</script>',
      'blob:file:///1234',
      'devtools://devtools/bundled/index.html',
      'chrome-extension://abc/index.html',
      'file://evil.example/opt/Nance/resources/app.asar/build/renderer/index.html',
      'file://user@/opt/Nance/resources/app.asar/build/renderer/index.html',
      '',
      'not a url',
    ]) {
      expect(isTrustedSender(url, index), url).toBe(false);
    }
  });

  it('an expected URL that is not file: trusts nothing', () => {
    expect(isTrustedSender('http://x/index.html', 'http://x/index.html')).toBe(false);
    expect(isTrustedSender(index, 'garbage')).toBe(false);
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

  it('refuses anything that is not a plain object', () => {
    for (const message of [null, undefined, 'getStatus', 3, ['getStatus', {}]]) {
      expect(validateIpcMessage(message).ok).toBe(false);
    }
  });
});

describe('channels and events', () => {
  it('the two channels the preload uses', () => {
    expect(CALL_CHANNEL).toBe('nance:call');
    expect(EVENT_CHANNEL).toBe('nance:event');
  });

  it('isEventMessage: known event names only', () => {
    expect(isEventMessage({ event: 'message', payload: { host: null, chatUuid: 'a' } })).toBe(true);
    expect(isEventMessage({ event: 'modeChanged', payload: { mode: 'peer' } })).toBe(true);
    expect(isEventMessage({ event: 'other', payload: {} })).toBe(false);
    expect(isEventMessage(null)).toBe(false);
    expect(isEventMessage('message')).toBe(false);
  });
});
