// The window's one way to main: `window.nance`, exactly NanceApi (src-shared/api.ts), over two IPC
// channels. Nothing else is exposed, ipcRenderer least of all.
// CommonJS because a sandboxed preload cannot be an ES module (tsc compiles this .cts to
// preload.cjs; Electron runs it wrapped with require, exports and module). The sandbox's require
// knows only 'electron' and a few Node built-ins, so the channel names are repeated here from
// ../shell/ipc-guard.ts and the imports from src-shared are types only (they vanish when compiled).
// preload.test.ts runs the compiled form against a fake 'electron'.
import electron = require('electron');

import type {
  CommandArgs,
  CommandName,
  CommandReply,
  EventName,
  EventPayloads,
  NanceApi,
} from '../../../src-shared/api.js';

const CALL_CHANNEL = 'nance:call';
const EVENT_CHANNEL = 'nance:event';

const { contextBridge, ipcRenderer } = electron;

const api: NanceApi = {
  call<K extends CommandName>(command: K, args: CommandArgs<K>): Promise<CommandReply<K>> {
    return ipcRenderer.invoke(CALL_CHANNEL, { cmd: command, args }).then(
      (reply) => reply as CommandReply<K>,
      (err: unknown) => ({
        ok: false as const,
        error: { kind: 'closed' as const, message: `main did not answer: ${String(err)}` },
      }),
    );
  },
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    const handler = (_e: unknown, message: unknown): void => {
      if (typeof message !== 'object' || message === null) return;
      const m = message as { event?: unknown; payload?: unknown };
      if (m.event === event) listener(m.payload as EventPayloads[E]);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('nance', api);
