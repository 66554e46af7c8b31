// The web host: the built window over HTTP and the contract of src-shared/api.ts over a WebSocket,
// on 127.0.0.1 only, so a browser on this machine shows the same UI as the desktop app.
// See docs/web-host.md for the message format and the access rules.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { type Logger, silentLogger } from '../../core/logger.js';
import {
  type CommandService,
  handleText,
  invalidMessage,
  type ReplyMessage,
  subscribeEvents,
} from '../../service/command-channel.js';
import {
  isAllowedHost,
  isAllowedOrigin,
  isLoopbackAddress,
  isValidToken,
  LOOPBACK_HOST,
  newToken,
  securityHeaders,
  tokenMatches,
} from './access.js';
import { serveStatic } from './static-files.js';

export { isLoopbackAddress } from './access.js';

/** The path of the WebSocket endpoint. */
export const API_PATH = '/api';
/**
 * Whether a token is the current one (204) or not (401), for a window whose socket cannot connect:
 * a browser does not tell a page why a WebSocket handshake failed, and a stale token (the host
 * restarted) must say "open the new link", not "reconnecting…" forever. It answers no more than
 * the handshake does.
 */
export const ACCESS_PATH = '/api/access';
/** The largest message a socket may send and get processed; larger ones get an error reply. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** ws's maxPayload: a frame above this is not even buffered, the socket is closed with 1009. */
export const HARD_MAX_PAYLOAD_BYTES = 2 * MAX_MESSAGE_BYTES;
/** A socket that lets more than this pile up unsent (it does not read) is dropped. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface WebHostOptions {
  service: CommandService;
  /** TCP port on 127.0.0.1; 0 picks a free one. Default 8080. */
  port?: number;
  /** The built window: index.html + assets. Default `build/renderer` in the package folder. */
  rendererDir?: string;
  /** The access token (16-256 characters of A-Z a-z 0-9 _ -). Default: 32 random bytes, base64url. */
  token?: string;
  logger?: Logger;
  /** How often sockets are pinged; one that missed the previous ping is dropped. Default 30 s. */
  heartbeatMs?: number;
}

export interface WebHost {
  /** What to open in a browser: http://127.0.0.1:PORT/#token=TOKEN */
  url: string;
  port: number;
  token: string;
  /** Closes every socket and the server. Idempotent. */
  close(): Promise<void>;
}

/** `build/renderer` in the folder of the nearest package.json above this module. */
export function defaultRendererDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'build', 'renderer');
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve('build', 'renderer');
    dir = parent;
  }
}

interface Client {
  ws: WebSocket;
  alive: boolean;
  unsubscribe: () => void;
}

interface Refusal {
  status: 400 | 401 | 403 | 404 | 503;
  reason: string;
}

function describeListenError(err: NodeJS.ErrnoException, port: number): string {
  const where = `${LOOPBACK_HOST}:${port}`;
  if (err.code === 'EADDRINUSE') return `web host: ${where} is already in use; choose another port`;
  if (err.code === 'EACCES') return `web host: no permission to listen on ${where}; choose a port above 1023`;
  return `web host: cannot listen on ${where}: ${err.message}`;
}

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
function refuseUpgrade(socket: Duplex, status: number, port: number): void {
  if (socket.destroyed) return;
  const text = `${http.STATUS_CODES[status] ?? 'Error'}\n`;
  const headers: Record<string, string | number> = {
    Connection: 'close',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...securityHeaders(port),
  };
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n${head}\r\n\r\n${text}`);
  // A client that never reads must not keep the socket: give the answer a moment, then cut it.
  setTimeout(() => socket.destroy(), 1000).unref();
}

function rawBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const { service } = options;
  const requestedPort = options.port ?? 8080;
  const rendererDir = path.resolve(options.rendererDir ?? defaultRendererDir());
  const log = options.logger ?? silentLogger;
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65_535) {
    throw new Error(`web host: ${String(requestedPort)} is not a port number (0-65535)`);
  }
  if (options.token !== undefined && !isValidToken(options.token)) {
    throw new Error('web host: the token must be 16-256 characters of A-Z a-z 0-9 _ -');
  }
  const token = options.token ?? newToken();

  // Known once listening; until then every Host and Origin check fails.
  let port = 0;
  let closing = false;
  const clients = new Set<Client>();

  /** The checks every HTTP request and upgrade passes first. */
  const checkClient = (req: http.IncomingMessage): Refusal | undefined => {
    if (!isLoopbackAddress(req.socket.remoteAddress)) return { status: 403, reason: 'not a loopback client' };
    if (!isAllowedHost(req.headers.host, port)) return { status: 403, reason: 'Host header not allowed' };
    return undefined;
  };

  const checkUpgrade = (req: http.IncomingMessage): Refusal | undefined => {
    const refusal = checkClient(req);
    if (refusal) return refusal;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) !== API_PATH) return { status: 404, reason: 'no such endpoint' };
    if (!isAllowedOrigin(req.headers.origin, port)) return { status: 403, reason: 'Origin not allowed' };
    const presented = new URLSearchParams(q < 0 ? '' : url.slice(q + 1)).get('token');
    if (!tokenMatches(presented, token)) return { status: 401, reason: 'missing or wrong token' };
    if (closing) return { status: 503, reason: 'closing' };
    return undefined;
  };

  const server = http.createServer((req, res) => {
    for (const [name, value] of Object.entries(securityHeaders(port))) res.setHeader(name, value);
    const sendText = (status: number, text: string): void => {
      res.statusCode = status;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.setHeader('Content-Length', String(Buffer.byteLength(text)));
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    const refusal = checkClient(req);
    if (refusal) {
      log.warn(
        { remote: req.socket.remoteAddress, host: req.headers.host },
        `web: refused (${refusal.reason})`,
      );
      sendText(refusal.status, `${http.STATUS_CODES[refusal.status]}\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendText(405, 'Method not allowed\n');
      return;
    }
    const url = req.url ?? '';
    if (url.startsWith(`${ACCESS_PATH}?`) || url === ACCESS_PATH) {
      const origin = req.headers.origin;
      if (origin !== undefined && !isAllowedOrigin(origin, port)) {
        sendText(403, `${http.STATUS_CODES[403]}\n`);
        return;
      }
      const presented = new URLSearchParams(url.slice(ACCESS_PATH.length + 1)).get('token');
      res.setHeader('Cache-Control', 'no-store');
      sendText(tokenMatches(presented, token) ? 204 : 401, '');
      return;
    }
    if (url === API_PATH || url.startsWith(`${API_PATH}?`)) {
      res.setHeader('Upgrade', 'websocket');
      sendText(426, 'This is the WebSocket endpoint\n');
      return;
    }
    serveStatic(req, res, rendererDir, sendText).catch((err: unknown) => {
      log.error({ err: String(err), url }, 'web: serving a file failed');
      if (!res.headersSent) sendText(500, 'Internal error\n');
      else res.destroy();
    });
  });
  // Slow or idle clients must not hold connections for long; the window's socket is upgraded.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: HARD_MAX_PAYLOAD_BYTES,
    clientTracking: false,
  });

  const send = (client: Client, message: object): void => {
    const { ws } = client;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      log.warn({ buffered: ws.bufferedAmount }, 'web: socket does not read; dropped');
      ws.terminate();
      return;
    }
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (err) {
      const id = 'id' in message ? (message as ReplyMessage).id : null;
      text = JSON.stringify({
        id,
        ok: false,
        error: { kind: 'exception', message: `reply could not be encoded: ${String(err)}` },
      });
    }
    ws.send(text, (err) => {
      if (err) log.debug({ err: String(err) }, 'web: send failed');
    });
  };

  const onMessage = (client: Client, data: RawData, isBinary: boolean): void => {
    if (isBinary) {
      send(client, invalidMessage('binary frames are not accepted; send JSON text'));
      return;
    }
    const bytes = rawBytes(data);
    if (bytes.length > MAX_MESSAGE_BYTES) {
      send(client, invalidMessage(`message over ${MAX_MESSAGE_BYTES} bytes`));
      return;
    }
    void handleText(service, bytes.toString('utf8')).then((reply) => send(client, reply));
  };

  const onConnection = (ws: WebSocket): void => {
    const client: Client = { ws, alive: true, unsubscribe: () => {} };
    client.unsubscribe = subscribeEvents(service, (event) => send(client, event));
    clients.add(client);
    log.info({ sockets: clients.size }, 'web: window connected');
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      client.alive = true;
      onMessage(client, data, isBinary);
    });
    // Oversized frames, bad UTF-8, protocol errors: ws closes the socket; nothing else to do.
    ws.on('error', (err) => log.warn({ err: String(err) }, 'web: socket error'));
    ws.on('close', (code) => {
      client.unsubscribe();
      clients.delete(client);
      log.info({ code, sockets: clients.size }, 'web: window disconnected');
    });
  };

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const swallow = (): void => {};
    socket.on('error', swallow);
    const refusal = checkUpgrade(req);
    if (refusal) {
      log.warn(
        { remote: req.socket.remoteAddress, host: req.headers.host, origin: req.headers.origin },
        `web: socket refused (${refusal.reason})`,
      );
      refuseUpgrade(socket, refusal.status, port);
      return;
    }
    socket.off('error', swallow);
    wss.handleUpgrade(req, socket, head, onConnection);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new Error(describeListenError(err, requestedPort), { cause: err }));
    };
    server.once('error', onError);
    server.listen({ host: LOOPBACK_HOST, port: requestedPort, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err: String(err) }, 'web: server error'));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('web host: no TCP address');
  port = address.port;

  const heartbeat = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        log.info({}, 'web: socket missed a heartbeat; dropped');
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      try {
        client.ws.ping();
      } catch {
        client.ws.terminate();
      }
    }
  }, heartbeatMs);
  heartbeat.unref();

  const url = `http://${LOOPBACK_HOST}:${port}/#token=${token}`;
  log.info({ port, rendererDir }, 'web: listening');

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      clearInterval(heartbeat);
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.all(
        [...clients].map(
          (client) =>
            new Promise<void>((resolve) => {
              client.unsubscribe();
              if (client.ws.readyState === WebSocket.CLOSED) return resolve();
              client.ws.once('close', () => resolve());
              client.ws.close(1001, 'web host closing');
              setTimeout(() => client.ws.terminate(), 500).unref();
            }),
        ),
      );
      server.closeAllConnections();
      await serverClosed;
      wss.close();
      log.info({ port }, 'web: closed');
    })();
    return closed;
  };

  return { url, port, token, close };
}
