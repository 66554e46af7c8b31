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

/**
 * A serialized policy parsed as a browser does (CSP3 §2.2.1): directives split on ";", names
 * case-insensitive, sources split on whitespace, and a repeated directive ignored (the first wins).
 */
function parseCsp(policy: string): { directives: Map<string, string[]>; repeated: string[] } {
  const directives = new Map<string, string[]>();
  const repeated: string[] = [];
  for (const token of policy.split(';')) {
    const [name, ...sources] = token.trim().split(/\s+/);
    if (!name) continue;
    const key = name.toLowerCase();
    if (directives.has(key)) repeated.push(key);
    else directives.set(key, sources);
  }
  return { directives, repeated };
}

/** The sources a fetch directive really gets: its own, or those of the directive it falls back to (CSP3 §6.8.3). */
const FALLBACKS: Record<string, string[]> = {
  'script-src-elem': ['script-src-elem', 'script-src', 'default-src'],
  'script-src-attr': ['script-src-attr', 'script-src', 'default-src'],
  'style-src-elem': ['style-src-elem', 'style-src', 'default-src'],
  'style-src-attr': ['style-src-attr', 'style-src', 'default-src'],
  'worker-src': ['worker-src', 'child-src', 'script-src', 'default-src'],
  'frame-src': ['frame-src', 'child-src', 'default-src'],
};
function effective(directives: Map<string, string[]>, name: string): string[] | undefined {
  for (const candidate of FALLBACKS[name] ?? [name, 'default-src']) {
    const sources = directives.get(candidate);
    if (sources) return sources;
  }
  return undefined;
}

describe('CONTENT_SECURITY_POLICY', () => {
  const { directives, repeated } = parseCsp(CONTENT_SECURITY_POLICY);
  const lower = (sources: string[] | undefined) => (sources ?? []).map((s) => s.toLowerCase());

  it('states each directive once (a browser ignores a repeated one)', () => {
    expect(repeated).toEqual([]);
  });

  it('denies by default', () => {
    expect(lower(directives.get('default-src'))).toEqual(["'none'"]);
  });

  it('scripts only from our own files: no inline code, no eval, no other origin', () => {
    for (const name of ['script-src', 'script-src-elem', 'script-src-attr', 'worker-src']) {
      const sources = lower(effective(directives, name));
      expect(
        sources.every((s) => s === "'self'" || s === "'none'"),
        `${name}: ${sources}`,
      ).toBe(true);
    }
  });

  it('styles, fonts and images from our own files (images also as data: URLs), nothing inline', () => {
    const allowed = (name: string, ok: string[]) => {
      const sources = lower(effective(directives, name));
      expect(
        sources.every((s) => ok.includes(s)),
        `${name}: ${sources}`,
      ).toBe(true);
    };
    allowed('style-src', ["'self'", "'none'"]);
    allowed('style-src-elem', ["'self'", "'none'"]);
    allowed('style-src-attr', ["'self'", "'none'"]);
    allowed('font-src', ["'self'", "'none'"]);
    allowed('img-src', ["'self'", 'data:', "'none'"]);
  });

  it('no network at all (no fetch, no WebSocket: IPC only), no plugins, frames, media or workers elsewhere', () => {
    expect(lower(effective(directives, 'connect-src'))).toEqual(["'none'"]);
    expect(lower(effective(directives, 'object-src'))).toEqual(["'none'"]);
    for (const name of ['frame-src', 'media-src', 'manifest-src', 'child-src']) {
      const sources = lower(effective(directives, name));
      expect(
        sources.every((s) => s === "'none'" || s === "'self'"),
        `${name}: ${sources}`,
      ).toBe(true);
    }
  });

  it('never framed, no <base>, no form posts (these do not fall back to default-src)', () => {
    expect(lower(directives.get('frame-ancestors'))).toEqual(["'none'"]);
    expect(lower(directives.get('base-uri'))).toEqual(["'none'"]);
    expect(lower(directives.get('form-action'))).toEqual(["'none'"]);
  });

  it('no wildcard, unsafe keyword or scheme/host source in any directive', () => {
    for (const [name, sources] of directives) {
      for (const source of lower(sources)) {
        const ok = ["'self'", "'none'"].includes(source) || (name === 'img-src' && source === 'data:');
        expect(ok, `${name} ${source}`).toBe(true);
      }
    }
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
