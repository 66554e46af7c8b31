// Picks the transport: Electron's preload exposes `window.nance`; in a browser the page talks to
// the web host over a WebSocket. The rest of the window sees only NanceApi and a connection state.
import type { NanceApi } from '../../src-shared/api';
import { alwaysOpen, type ConnectionSource, type ConnectionState } from './connection';
import { accessUrl, apiUrl, takeToken } from './token';
import { WsNanceClient } from './ws-client';

export type { ConnectionSource, ConnectionState } from './connection';

declare global {
  interface Window {
    nance?: NanceApi;
  }
}

export interface Bridge {
  api: NanceApi;
  connection: ConnectionSource;
}

function sessionStore(win: Window): Storage | null {
  try {
    return win.sessionStorage;
  } catch {
    return null;
  }
}

/** Whether the web host takes `token` (ACCESS_PATH in src-main/host/web/web-host.ts). */
async function checkAccess(win: Window, token: string): Promise<'ok' | 'refused' | 'unknown'> {
  const res = await win.fetch(accessUrl(win.location, token), { cache: 'no-store' });
  if (res.status === 204) return 'ok';
  return res.status === 401 ? 'refused' : 'unknown';
}

/** A page opened without its token: nothing to call, and it says so. */
const unconnected: NanceApi = {
  call: async () => ({ ok: false, error: { kind: 'closed', message: 'no access token' } }),
  on: () => () => {},
};
const fixedState = (state: ConnectionState): ConnectionSource => ({
  connectionState: state,
  onConnectionChange: () => () => {},
});

export function createBridge(win: Window = window): Bridge {
  if (win.nance) return { api: win.nance, connection: alwaysOpen };
  const token = takeToken({ location: win.location, history: win.history, storage: sessionStore(win) });
  if (!token) return { api: unconnected, connection: fixedState('no-token') };
  const client = new WsNanceClient({
    url: apiUrl(win.location, token),
    checkAccess: () => checkAccess(win, token),
  });
  client.connect();
  return { api: client, connection: client };
}
