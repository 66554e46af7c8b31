import { describe, expect, it } from 'vitest';
import { parseSmokeRequest, smokeHookEnabled, smokeReply } from './smoke-hook.js';

describe('smoke hook', () => {
  it('is on only with NANCE_SMOKE_HOOK=1', () => {
    expect(smokeHookEnabled({ NANCE_SMOKE_HOOK: '1' })).toBe(true);
    for (const value of [undefined, '', '0', 'true', 'yes']) {
      expect(smokeHookEnabled({ NANCE_SMOKE_HOOK: value })).toBe(false);
    }
  });

  it('reads the four requests and nothing else', () => {
    expect(parseSmokeRequest('{"id":1,"hook":"tray"}')).toEqual({ id: 1, hook: 'tray' });
    expect(parseSmokeRequest('{"id":2,"hook":"trayClick","item":"bootstrap-mode"}')).toEqual({
      id: 2,
      hook: 'trayClick',
      item: 'bootstrap-mode',
    });
    expect(parseSmokeRequest('{"id":3,"hook":"closeWindow"}')).toEqual({ id: 3, hook: 'closeWindow' });
    expect(parseSmokeRequest('{"id":4,"hook":"window","extra":1}')).toEqual({ id: 4, hook: 'window' });
    for (const line of [
      '',
      'not json',
      'null',
      '[1]',
      '{"do":"quit","id":1}', // the fake Electron's own actions share stdin in tests
      '{"hook":"tray"}',
      '{"id":"1","hook":"tray"}',
      '{"id":1.5,"hook":"tray"}',
      '{"id":1,"hook":"trayClick","item":"format-disk"}',
      '{"id":1,"hook":"trayClick"}',
      '{"id":1,"hook":"eval","code":"process.exit()"}',
    ]) {
      expect(parseSmokeRequest(line), line).toBeNull();
    }
  });

  it('answers one JSON line naming the request', () => {
    expect(smokeReply(7, 'window', { exists: true })).toBe('{"smoke":"window","id":7,"exists":true}\n');
  });
});
