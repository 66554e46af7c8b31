// The web host opens the page at http://127.0.0.1:PORT/#token=TOKEN. The token is read once,
// removed from the visible address (so it is not shared by copying the URL or kept in history),
// and kept in sessionStorage so a reload of the same tab still works.

export const TOKEN_KEY = 'nance.token';

export interface TokenEnvironment {
  location: { hash: string; pathname: string; search: string };
  history: { replaceState(data: unknown, unused: string, url?: string): void } | null;
  storage: { getItem(key: string): string | null; setItem(key: string, value: string): void } | null;
}

export function takeToken(env: TokenEnvironment): string | null {
  const hash = env.location.hash.replace(/^#/, '');
  const params = new URLSearchParams(hash);
  const fromHash = params.get('token');
  if (fromHash) {
    try {
      env.storage?.setItem(TOKEN_KEY, fromHash);
    } catch {
      // Storage can be disabled; the token still works for this page load.
    }
    params.delete('token');
    const rest = params.toString();
    env.history?.replaceState(
      null,
      '',
      `${env.location.pathname}${env.location.search}${rest ? `#${rest}` : ''}`,
    );
    return fromHash;
  }
  try {
    return env.storage?.getItem(TOKEN_KEY) ?? null;
  } catch {
    return null;
  }
}

/** ws://<host>/api?token=… (wss on an https page). */
export function apiUrl(location: { protocol: string; host: string }, token: string | null): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${scheme}://${location.host}/api${query}`;
}

/** /api/access?token=… on this page's host: 204 when the web host takes the token, 401 when not. */
export function accessUrl(location: { protocol: string; host: string }, token: string): string {
  return `${location.protocol}//${location.host}/api/access?token=${encodeURIComponent(token)}`;
}
