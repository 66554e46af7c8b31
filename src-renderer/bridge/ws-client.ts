// NanceApi over a WebSocket to the web host (src-main/host/web), for a window opened in a browser.
// Frames are JSON text: out {"id":1,"cmd":"…","args":{…}}; in {"id":1,"ok":true,"result":…},
// {"id":1,"ok":false,"error":{…}} and events {"event":"…","payload":{…}}. When the socket drops,
// calls waiting for a reply fail with kind 'closed' and the client reconnects with backoff.
import type {
  CommandArgs,
  CommandError,
  CommandName,
  CommandReply,
  EventName,
  EventPayloads,
  NanceApi,
} from '../../src-shared/api';
import type { ConnectionSource, ConnectionState } from './connection';

/** The part of a WebSocket the client uses; the browser's and the `ws` package's both have it. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type SocketFactory = (url: string) => SocketLike;

const CONNECTING = 0;
const OPEN = 1;

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Growth per failed attempt. */
  factor: number;
  /** 0..1: each delay is stretched by up to this fraction at random. */
  jitter: number;
}

export interface WsClientOptions {
  url: string;
  /** Defaults to the global WebSocket. */
  createSocket?: SocketFactory;
  backoff?: Partial<BackoffOptions>;
  /** A call with no reply after this long fails with kind 'timeout'; 0 waits forever. */
  callTimeoutMs?: number;
  random?: () => number;
  /**
   * Asked when the socket closes or cannot open: 'refused' means the web host does not take our
   * token, and the client stops (state 'token-refused') instead of reconnecting forever.
   */
  checkAccess?: () => Promise<'ok' | 'refused' | 'unknown'>;
}

interface Pending {
  frame: string;
  sent: boolean;
  resolve: (reply: CommandReply<CommandName>) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

type AnyListener = (payload: unknown) => void;

const defaultBackoff: BackoffOptions = { initialMs: 250, maxMs: 5_000, factor: 2, jitter: 0.2 };

function failure(kind: CommandError['kind'], message: string): { ok: false; error: CommandError } {
  return { ok: false, error: { kind, message } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCommandError(value: unknown): value is CommandError {
  return (
    isObject(value) &&
    typeof value.kind === 'string' &&
    typeof value.message === 'string' &&
    (value.code === undefined || typeof value.code === 'number')
  );
}

const ignoreError = (): void => {};

export class WsNanceClient implements NanceApi, ConnectionSource {
  private socket: SocketLike | null = null;
  private state: ConnectionState = 'connecting';
  private nextId = 1;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<AnyListener>>();
  private readonly connectionListeners = new Set<(state: ConnectionState) => void>();
  private readonly backoff: BackoffOptions;
  private readonly createSocket: SocketFactory;
  private readonly callTimeoutMs: number;
  private readonly random: () => number;

  constructor(private readonly options: WsClientOptions) {
    this.backoff = { ...defaultBackoff, ...options.backoff };
    this.callTimeoutMs = options.callTimeoutMs ?? 120_000;
    this.random = options.random ?? Math.random;
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  onConnectionChange(listener: (state: ConnectionState) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** Opens the socket (once; later drops reconnect by themselves). */
  connect(): void {
    if (this.socket || this.state === 'closed' || this.reconnectTimer) return;
    this.open();
  }

  /** Closes for good: no reconnect; waiting calls fail with 'closed'. */
  close(): void {
    if (this.state === 'closed') return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const socket = this.socket;
    this.socket = null;
    this.detach(socket);
    socket?.close(1000, 'closed by the window');
    this.failPending('the window closed the connection');
    this.setState('closed');
  }

  call<K extends CommandName>(command: K, args: CommandArgs<K>): Promise<CommandReply<K>> {
    const socket = this.socket;
    if (
      this.state === 'closed' ||
      !socket ||
      (socket.readyState !== OPEN && socket.readyState !== CONNECTING)
    ) {
      return Promise.resolve(failure('closed', 'not connected to the Nance service'));
    }
    const id = this.nextId++;
    const frame = JSON.stringify({ id, cmd: command, args });
    return new Promise<CommandReply<K>>((resolve) => {
      const entry: Pending = {
        frame,
        sent: false,
        resolve: resolve as (reply: CommandReply<CommandName>) => void,
        timer: null,
      };
      if (this.callTimeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          resolve(failure('timeout', `no reply to ${command} from the Nance service`));
        }, this.callTimeoutMs);
      }
      this.pending.set(id, entry);
      if (socket.readyState === OPEN) this.transmit(entry);
    });
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const l = listener as AnyListener;
    set.add(l);
    return () => {
      set.delete(l);
    };
  }

  // ---- socket lifecycle

  private open(): void {
    let socket: SocketLike;
    try {
      socket = this.createSocket(this.options.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.setState('open');
      for (const entry of this.pending.values()) if (!entry.sent) this.transmit(entry);
    };
    socket.onmessage = (event) => {
      if (this.socket === socket) this.receive(event.data);
    };
    socket.onerror = () => {
      // A close event always follows; reconnecting happens there.
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.detach(socket);
      this.socket = null;
      this.failPending('the connection to the Nance service was lost');
      this.scheduleReconnect();
    };
  }

  private detach(socket: SocketLike | null): void {
    if (!socket) return;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    // A socket let go may still report an error (closed while connecting: Node's ws emits one, and an
    // 'error' nobody listens for would throw): it is of no interest any more.
    socket.onerror = ignoreError;
  }

  private scheduleReconnect(): void {
    if (this.state === 'closed' || this.state === 'token-refused') return;
    this.setState('reconnecting');
    if (!this.options.checkAccess) {
      this.reconnectLater();
      return;
    }
    this.options
      .checkAccess()
      .catch(() => 'unknown' as const)
      .then((access) => {
        if (this.state === 'closed' || this.socket) return;
        if (access === 'refused') this.setState('token-refused');
        else this.reconnectLater();
      });
  }

  private reconnectLater(): void {
    const { initialMs, maxMs, factor, jitter } = this.backoff;
    const base = Math.min(maxMs, initialMs * factor ** this.attempt);
    const delay = Math.round(base * (1 + jitter * this.random()));
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.state !== 'closed') this.open();
    }, delay);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of [...this.connectionListeners]) {
      try {
        listener(state);
      } catch {
        // A listener's failure is its own.
      }
    }
  }

  // ---- frames

  private transmit(entry: Pending): void {
    try {
      this.socket?.send(entry.frame);
      entry.sent = true;
    } catch {
      // The close event that follows fails the call.
    }
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (!isObject(msg)) return;
    if (typeof msg.id === 'number') {
      const entry = this.pending.get(msg.id);
      if (!entry) return;
      this.pending.delete(msg.id);
      if (entry.timer) clearTimeout(entry.timer);
      if (msg.ok === true) {
        entry.resolve({ ok: true, result: msg.result as never });
      } else if (msg.ok === false && isCommandError(msg.error)) {
        entry.resolve({ ok: false, error: msg.error });
      } else {
        entry.resolve(failure('exception', 'malformed reply from the Nance service'));
      }
      return;
    }
    if (typeof msg.event === 'string') {
      const set = this.listeners.get(msg.event);
      if (!set) return;
      for (const listener of [...set]) {
        try {
          listener(msg.payload ?? {});
        } catch {
          // A listener's failure is its own.
        }
      }
    }
  }

  private failPending(message: string): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.resolve(failure('closed', message));
    }
  }
}
