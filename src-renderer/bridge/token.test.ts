import { describe, expect, it } from 'vitest';
import { apiUrl, TOKEN_KEY, takeToken } from './token';

function env(hash: string, stored: Record<string, string> = {}) {
  const storage = new Map(Object.entries(stored));
  const replaced: string[] = [];
  return {
    replaced,
    storage,
    env: {
      location: { hash, pathname: '/', search: '' },
      history: { replaceState: (_d: unknown, _u: string, url?: string) => replaced.push(url ?? '') },
      storage: {
        getItem: (k: string) => storage.get(k) ?? null,
        setItem: (k: string, v: string) => storage.set(k, v),
      },
    },
  };
}

describe('token', () => {
  it('reads the token from the fragment, hides it from the address bar and keeps it for reloads', () => {
    const e = env('#token=s3cr%2Bet');
    expect(takeToken(e.env)).toBe('s3cr+et');
    expect(e.replaced).toEqual(['/']);
    expect(e.storage.get(TOKEN_KEY)).toBe('s3cr+et');
  });

  it('keeps other fragment parameters', () => {
    const e = env('#token=abc&view=peers');
    expect(takeToken(e.env)).toBe('abc');
    expect(e.replaced).toEqual(['/#view=peers']);
  });

  it('falls back on the stored token after a reload', () => {
    const e = env('', { [TOKEN_KEY]: 'kept' });
    expect(takeToken(e.env)).toBe('kept');
    expect(e.replaced).toEqual([]);
    expect(takeToken(env('').env)).toBeNull();
  });

  it('builds the socket address on the page host', () => {
    expect(apiUrl({ protocol: 'http:', host: '127.0.0.1:8080' }, 'a b')).toBe(
      'ws://127.0.0.1:8080/api?token=a%20b',
    );
    expect(apiUrl({ protocol: 'https:', host: 'x:1' }, null)).toBe('wss://x:1/api');
  });
});
