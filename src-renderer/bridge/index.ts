// Picks the transport: Electron's preload exposes `window.nance`; in a browser the page talks to
// the web host over a WebSocket. The rest of the window sees only NanceApi and a connection state.
import type { NanceApi } from '../../src-shared/api';
import { alwaysOpen, type ConnectionSource } from './connection';
import { apiUrl, takeToken } from './token';
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

export function createBridge(win: Window = window): Bridge {
  if (win.nance) return { api: win.nance, connection: alwaysOpen };
  const token = takeToken({ location: win.location, history: win.history, storage: sessionStore(win) });
  const client = new WsNanceClient({ url: apiUrl(win.location, token) });
  client.connect();
  return { api: client, connection: client };
}
