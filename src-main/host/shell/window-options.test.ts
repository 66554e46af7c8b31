import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  onWindowClose,
  raiseWindowSteps,
  WINDOW_OPTIONS,
  windowWebPreferences,
  withCsp,
} from './window-options.js';

describe('windowWebPreferences', () => {
  const prefs = windowWebPreferences('/app/build/src-main/host/electron/preload.cjs');

  it('isolated, sandboxed, no Node, web security on, no spellcheck, our preload', () => {
    expect(prefs).toMatchObject({
      preload: '/app/build/src-main/host/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    });
  });

  it('no remote module and nothing that loosens the sandbox', () => {
    const keys = Object.keys(prefs);
    for (const key of [
      'enableRemoteModule',
      'experimentalFeatures',
      'enableBlinkFeatures',
      'additionalArguments',
    ]) {
      expect(keys).not.toContain(key);
    }
  });

  it('the window options never carry their own webPreferences', () => {
    expect('webPreferences' in WINDOW_OPTIONS).toBe(false);
    expect(WINDOW_OPTIONS.show).toBe(false);
  });
});

describe('CONTENT_SECURITY_POLICY', () => {
  it('is exactly the policy of the window', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });

  it('allows no inline code, eval or network', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*|http|ws:/);
  });

  it('denies by default, and the window talks to nothing (no WebSocket: IPC only)', () => {
    const directives = new Map(
      CONTENT_SECURITY_POLICY.split('; ').map((d) => {
        const [name, ...values] = d.split(' ');
        return [name, values.join(' ')] as const;
      }),
    );
    expect(directives.get('default-src')).toBe("'none'");
    expect(directives.get('connect-src')).toBe("'none'");
    expect(directives.get('frame-ancestors')).toBe("'none'");
  });
});

describe('withCsp', () => {
  it('adds the policy and replaces any other, whatever its case', () => {
    const out = withCsp({
      'content-type': ['text/html'],
      'content-security-policy': ['default-src *'],
      'Content-Security-Policy': ["script-src 'unsafe-inline'"],
    });
    expect(out).toEqual({
      'content-type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
  });

  it('works with no headers', () => {
    expect(withCsp(undefined)).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });
});

describe('onWindowClose', () => {
  it('hides to the tray, unless the app is quitting', () => {
    expect(onWindowClose({ quitting: false })).toBe('hide');
    expect(onWindowClose({ quitting: true })).toBe('close');
  });
});

describe('raiseWindowSteps (second instance, tray, dock, notification)', () => {
  it('a hidden window is shown and focused', () => {
    expect(raiseWindowSteps({ exists: true, minimized: false, visible: false })).toEqual(['show', 'focus']);
  });

  it('a minimised one is restored first', () => {
    expect(raiseWindowSteps({ exists: true, minimized: true, visible: true })).toEqual(['restore', 'focus']);
    expect(raiseWindowSteps({ exists: true, minimized: true, visible: false })).toEqual([
      'restore',
      'show',
      'focus',
    ]);
  });

  it('a visible one is only focused', () => {
    expect(raiseWindowSteps({ exists: true, minimized: false, visible: true })).toEqual(['focus']);
  });

  it('no window: one is created', () => {
    expect(raiseWindowSteps({ exists: false, minimized: false, visible: false })).toEqual([
      'create',
      'show',
      'focus',
    ]);
  });
});
