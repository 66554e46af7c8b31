// The WebSocket client against a real `ws` server on 127.0.0.1.
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { type RawData, WebSocketServer } from 'ws';
import type { ConnectionState } from './connection';
import { type SocketLike, WsNanceClient } from './ws-client';

interface Frame {
  id: number;
  cmd: string;
  args: unknown;
}

const TOKEN = 'tok-123';
let currentToken = TOKEN;

/** A stand-in web host: answers through `handler`, checks the token, can drop every client. */
class TestServer {
  wss!: WebSocketServer;
  port = 0;
  frames: Frame[] = [];
  urls: string[] = [];
  handler: (frame: Frame, socket: WebSocket) => void = (f, s) =>
    s.send(JSON.stringify({ id: f.id, ok: true, result: { echo: f.cmd, args: f.args } }));

  async start(port = 0): Promise<void> {
    this.wss = new WebSocketServer({
      host: '127.0.0.1',
      port,
      path: '/api',
      verifyClient: (info: { req: { url?: string } }) => {
        this.urls.push(info.req.url ?? '');
        return new URL(info.req.url ?? '', 'http://x').searchParams.get('token') === currentToken;
      },
    });
    await new Promise<void>((resolve) => this.wss.once('listening', () => resolve()));
    this.port = (this.wss.address() as AddressInfo).port;
    this.wss.on('connection', (socket) => {
      socket.on('message', (data: RawData) => {
        const frame = JSON.parse(data.toString()) as Frame;
        this.frames.push(frame);
        this.handler(frame, socket);
      });
    });
  }

  broadcast(message: unknown): void {
    for (const c of this.wss.clients) c.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  dropClients(): void {
    for (const c of this.wss.clients) c.terminate();
  }

  async stop(): Promise<void> {
    this.dropClients();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

const clients: WsNanceClient[] = [];
const servers: TestServer[] = [];

afterEach(async () => {
  currentToken = TOKEN;
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.stop().catch(() => {});
});

async function serve(port = 0): Promise<TestServer> {
  const server = new TestServer();
  await server.start(port);
  servers.push(server);
  return server;
}

function client(port: number, token = TOKEN, callTimeoutMs = 5_000) {
  const states: ConnectionState[] = [];
  const c = new WsNanceClient({
    url: `ws://127.0.0.1:${port}/api?token=${token}`,
    createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    backoff: { initialMs: 20, maxMs: 100, jitter: 0 },
    callTimeoutMs,
  });
  c.onConnectionChange((s) => states.push(s));
  clients.push(c);
  c.connect();
  return { c, states };
}

async function waitFor(check: () => boolean, ms = 3_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('WsNanceClient', () => {
  it('sends {id, cmd, args} and matches replies by id, in any order', async () => {
    const server = await serve();
    const held: Frame[] = [];
    server.handler = (f, s) => {
      held.push(f);
      if (held.length === 2) {
        for (const h of [...held].reverse()) {
          s.send(JSON.stringify({ id: h.id, ok: true, result: `${h.cmd}-result` }));
        }
      }
    };
    const { c } = client(server.port);
    // Both calls are made while the socket is still connecting: they go out once it opens.
    const [a, b] = await Promise.all([c.call('getStatus', {}), c.call('listPeers', {})]);
    expect(a).toEqual({ ok: true, result: 'getStatus-result' });
    expect(b).toEqual({ ok: true, result: 'listPeers-result' });
    expect(server.frames.map((f) => f.cmd)).toEqual(['getStatus', 'listPeers']);
    expect(new Set(server.frames.map((f) => f.id)).size).toBe(2);
    expect(server.urls[0]).toBe(`/api?token=${TOKEN}`);
  });

  it('passes arguments through and error replies back unchanged', async () => {
    const server = await serve();
    server.handler = (f, s) =>
      s.send(
        JSON.stringify({ id: f.id, ok: false, error: { kind: 'full', message: 'chat is full', code: 20 } }),
      );
    const { c } = client(server.port);
    const args = {
      host: { host: '192.0.2.1', port: 5000 },
      chatUuid: 'c',
      name: 'Aiko',
      content: 'こんにちは 🍣',
    };
    const reply = await c.call('postMessage', args);
    expect(reply).toEqual({ ok: false, error: { kind: 'full', message: 'chat is full', code: 20 } });
    expect(server.frames[0]).toEqual({ id: server.frames[0]?.id, cmd: 'postMessage', args });
  });

  it('treats a malformed reply as an exception, and ignores junk frames', async () => {
    const server = await serve();
    server.handler = (f, s) => {
      s.send('not json');
      s.send(JSON.stringify([1, 2]));
      s.send(JSON.stringify({ id: 99_999, ok: true, result: 'nobody asked' }));
      s.send(JSON.stringify({ id: f.id, ok: false, error: 'bad' }));
    };
    const { c } = client(server.port);
    const reply = await c.call('getStatus', {});
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.kind).toBe('exception');
  });

  it('delivers events to their listeners until unsubscribed', async () => {
    const server = await serve();
    const { c } = client(server.port);
    const got: unknown[] = [];
    const off = c.on('message', (p) => got.push(p));
    const peers: unknown[] = [];
    c.on('peersChanged', (p) => peers.push(p));
    await waitFor(() => c.connectionState === 'open');
    server.broadcast({ event: 'message', payload: { host: null, chatUuid: 'c1' } });
    server.broadcast({ event: 'peersChanged', payload: {} });
    server.broadcast({ event: 'unknownEvent', payload: {} });
    await waitFor(() => got.length === 1 && peers.length === 1);
    expect(got).toEqual([{ host: null, chatUuid: 'c1' }]);
    off();
    server.broadcast({ event: 'message', payload: { host: null, chatUuid: 'c2' } });
    server.broadcast({ event: 'peersChanged', payload: {} });
    await waitFor(() => peers.length === 2);
    expect(got).toHaveLength(1);
  });

  it('fails waiting calls with "closed" when the socket drops, then reconnects by itself', async () => {
    const server = await serve();
    server.handler = () => {}; // never answers
    const { c, states } = client(server.port);
    await waitFor(() => c.connectionState === 'open');
    const pending = c.call('readChat', { host: null, chatUuid: 'x' });
    await waitFor(() => server.frames.length === 1);
    server.dropClients();
    const reply = await pending;
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.kind).toBe('closed');
    await waitFor(() => c.connectionState === 'open');
    expect(states).toEqual(['open', 'reconnecting', 'open']);
    server.handler = (f, s) => s.send(JSON.stringify({ id: f.id, ok: true, result: 'back' }));
    expect(await c.call('getStatus', {})).toEqual({ ok: true, result: 'back' });
  });

  it('fails calls at once with "closed" while the service is down, and comes back when it does', async () => {
    const server = await serve();
    const port = server.port;
    const { c } = client(port);
    await waitFor(() => c.connectionState === 'open');
    await server.stop();
    servers.splice(servers.indexOf(server), 1);
    await waitFor(() => c.connectionState === 'reconnecting');
    // Between attempts there is no socket: calls fail straight away.
    const results = await Promise.all([1, 2, 3].map(() => c.call('getStatus', {})));
    for (const r of results) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('closed');
    }
    const again = await serve(port);
    await waitFor(() => c.connectionState === 'open', 5_000);
    expect(await c.call('listChats', {})).toEqual({ ok: true, result: { echo: 'listChats', args: {} } });
    expect(again.frames).toHaveLength(1);
  });

  it('keeps retrying (and failing calls) when the token is refused', async () => {
    const server = await serve();
    const { c } = client(server.port, 'wrong');
    const reply = await c.call('getStatus', {});
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.kind).toBe('closed');
    await waitFor(() => server.urls.length >= 3);
    expect(c.connectionState).toBe('reconnecting');
    expect(server.frames).toHaveLength(0);
  });

  it('stops with "token-refused" when the host restarted with a new token, instead of reconnecting forever', async () => {
    const server = await serve();
    const port = server.port;
    let up = true;
    const states: ConnectionState[] = [];
    const c = new WsNanceClient({
      url: `ws://127.0.0.1:${port}/api?token=${TOKEN}`,
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      backoff: { initialMs: 20, maxMs: 100, jitter: 0 },
      // The web host's /api/access, as it would answer: unreachable while down.
      checkAccess: async () => {
        if (!up) throw new Error('ECONNREFUSED');
        return TOKEN === currentToken ? 'ok' : 'refused';
      },
    });
    c.onConnectionChange((s) => states.push(s));
    clients.push(c);
    c.connect();
    await waitFor(() => c.connectionState === 'open');
    up = false;
    await server.stop();
    servers.splice(servers.indexOf(server), 1);
    await waitFor(() => c.connectionState === 'reconnecting');
    await new Promise((r) => setTimeout(r, 100));
    expect(c.connectionState).toBe('reconnecting'); // down is not refused: keep trying

    currentToken = 'a-new-token-after-restart';
    const again = await serve(port);
    up = true;
    await waitFor(() => c.connectionState === 'token-refused', 5_000);
    const attempts = again.urls.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(again.urls.length).toBe(attempts); // no more attempts
    expect(states.at(-1)).toBe('token-refused');
    const reply = await c.call('getStatus', {});
    expect(reply.ok).toBe(false);
  });

  it('times out a call with no reply', async () => {
    const server = await serve();
    server.handler = () => {};
    const { c } = client(server.port, TOKEN, 100);
    const reply = await c.call('refreshChats', {});
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.kind).toBe('timeout');
  });

  it('close() while the socket is still connecting lets it go quietly (no error nobody listens for)', async () => {
    // A server that takes the TCP connection and never answers the handshake: the socket stays
    // connecting. Node's ws reports the abandoned handshake as an 'error' event; with no listener
    // left, that event crashed the process (seen in CI under load).
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const { c } = client((silent.address() as AddressInfo).port);
      await new Promise((r) => setTimeout(r, 50));
      expect(c.connectionState).not.toBe('open');
      c.close();
      await new Promise((r) => setTimeout(r, 100));
      expect(uncaught).toEqual([]);
      expect(c.connectionState).toBe('closed');
    } finally {
      process.off('uncaughtException', onUncaught);
      silent.close();
    }
  });

  it('close() fails waiting calls and stops reconnecting', async () => {
    const server = await serve();
    server.handler = () => {};
    const { c, states } = client(server.port);
    await waitFor(() => c.connectionState === 'open');
    const pending = c.call('getStatus', {});
    await waitFor(() => server.frames.length === 1);
    c.close();
    const reply = await pending;
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.kind).toBe('closed');
    await new Promise((r) => setTimeout(r, 150));
    expect(states).toEqual(['open', 'closed']);
    expect(server.urls).toHaveLength(1);
    const after = await c.call('getStatus', {});
    expect(after.ok).toBe(false);
  });
});
