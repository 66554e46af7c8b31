// The web host on real sockets (127.0.0.1 only) over a real service, peer, UDP transport and
// SQLite store: static files, the access rules of the socket, and the contract over it.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { NancePeer } from '../../src-main/core/peer.js';
import { requestPath } from '../../src-main/host/web/static-files.js';
import {
  HARD_MAX_PAYLOAD_BYTES,
  isLoopbackAddress,
  MAX_MESSAGE_BYTES,
  startWebHost,
  type WebHost,
} from '../../src-main/host/web/web-host.js';
import { systemClock } from '../../src-main/net/system-clock.js';
import { UdpTransport } from '../../src-main/net/udp-transport.js';
import type { CommandService } from '../../src-main/service/command-channel.js';
import { NanceService } from '../../src-main/service/nance-service.js';
import { SqliteStore } from '../../src-main/store/sqlite-store.js';
import { eventNames } from '../../src-shared/api.js';

const INDEX_HTML =
  '<!doctype html><html><head><script type="module" src="/assets/app.js"></script></head></html>\n';
const SECRET = 'top-secret-outside-the-renderer-dir';

/** This machine's non-loopback addresses (link-local IPv6 left out: it needs a zone). */
const externalAddresses = Object.values(os.networkInterfaces())
  .flat()
  .filter((a): a is os.NetworkInterfaceInfo => a !== undefined && !a.internal)
  .filter((a) => a.family === 'IPv4' || !a.address.toLowerCase().startsWith('fe80:'))
  .map((a) => a.address);

/** The error code of a TCP connect (traffic stays on this machine), undefined if it connected. */
function connectError(address: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve('ETIMEDOUT');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
  });
}

const expectedCsp = (port: number): string =>
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}; object-src 'none'; ` +
  "base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

interface Fixture {
  dir: string;
  rendererDir: string;
  peer: NancePeer;
  service: NanceService;
}

async function makeFixture(): Promise<Fixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-web-'));
  const rendererDir = path.join(dir, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), INDEX_HTML);
  const assets: Record<string, string> = {
    'app.js': 'console.log("nance");\n',
    'app.css': 'body{}\n',
    'logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    'logo.png': 'png',
    'favicon.ico': 'ico',
    'manifest.json': '{}\n',
    'font.woff2': 'woff2',
  };
  for (const [name, text] of Object.entries(assets))
    fs.writeFileSync(path.join(rendererDir, 'assets', name), text);
  fs.writeFileSync(path.join(rendererDir, '.env'), SECRET);
  // Targets a traversal would reach: beside the renderer dir, and through a symlink inside it.
  fs.writeFileSync(path.join(dir, 'secret.txt'), SECRET);
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(rendererDir, 'link.txt'));

  const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
  const store = SqliteStore.open({ path: path.join(dir, 'nance.db'), now: Date.now });
  const peer = new NancePeer(
    { transport, clock: systemClock, store },
    { role: 'peer', bootstrapPeers: [], natType: 'Open Internet', publicEndpoint: transport.localEndpoint() },
  );
  const service = new NanceService(peer, store);
  peer.start();
  return { dir, rendererDir, peer, service };
}

interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  port: number,
  urlPath: string,
  options: { method?: string; headers?: Record<string, string>; setHost?: boolean; host?: string } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: options.host ?? '127.0.0.1',
        port,
        path: urlPath,
        method: options.method ?? 'GET',
        headers: options.headers,
        setHost: options.setHost ?? true,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The status an upgrade gets: 101 when the socket opens, else the HTTP status of the refusal. */
function upgradeStatus(
  port: number,
  urlPath: string,
  options: { origin?: string; headers?: Record<string, string> },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${urlPath}`, {
      ...(options.origin === undefined ? {} : { origin: options.origin }),
      headers: options.headers,
    });
    ws.on('error', () => {});
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    setTimeout(() => reject(new Error('upgrade got no answer')), 5000).unref();
  });
}

type Incoming = {
  id?: unknown;
  ok?: boolean;
  result?: unknown;
  error?: { kind: string; message: string };
} & {
  event?: string;
  payload?: unknown;
};

/** A window's socket: sends commands, collects replies and events. */
class Window {
  readonly received: Incoming[] = [];
  private readonly waiters: { match: (m: Incoming) => boolean; resolve: (m: Incoming) => void }[] = [];
  private nextId = 1;
  closeCode: number | undefined;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Incoming;
      this.received.push(msg);
      for (const w of [...this.waiters]) {
        if (w.match(msg)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(msg);
        }
      }
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  static open(host: WebHost, options: { autoPong?: boolean } = {}): Promise<Window> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, {
        origin: `http://127.0.0.1:${host.port}`,
        autoPong: options.autoPong ?? true,
      });
      const win = new Window(ws);
      ws.once('open', () => resolve(win));
      ws.once('error', reject);
    });
  }

  waitFor(match: (m: Incoming) => boolean, timeoutMs = 5000): Promise<Incoming> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiters.push({ match, resolve });
      setTimeout(() => reject(new Error('timed out waiting for a message')), timeoutMs).unref();
    });
  }

  async call(cmd: string, args: unknown): Promise<Incoming> {
    const id = this.nextId++;
    const reply = this.waitFor((m) => m.id === id);
    this.ws.send(JSON.stringify({ id, cmd, args }));
    return reply;
  }

  /** Sends raw data and waits for the next reply with id null. */
  async sendRaw(data: string | Buffer, binary = false): Promise<Incoming> {
    const before = this.received.length;
    const reply = this.waitFor((m) => m.id === null && this.received.indexOf(m) >= before);
    this.ws.send(data, { binary });
    return reply;
  }

  events(name: string): Incoming[] {
    return this.received.filter((m) => m.event === name);
  }

  close(): Promise<number> {
    this.ws.close();
    return this.closed;
  }
}

describe('isLoopbackAddress', () => {
  it.each([
    '127.0.0.1',
    '127.0.0.2',
    '127.255.255.254',
    '127.1.2.3',
    '::1',
    '0:0:0:0:0:0:0:1',
    '0000:0000:0000:0000:0000:0000:0000:0001',
    '::ffff:127.0.0.1',
    '::FFFF:127.0.0.1',
    '::ffff:127.10.20.30',
    '0:0:0:0:0:ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:7fff:ffff',
  ])('accepts %s', (addr) => {
    expect(isLoopbackAddress(addr)).toBe(true);
  });

  it.each([
    '0.0.0.0',
    '10.0.0.1',
    '172.17.0.2',
    '192.168.1.10',
    '128.0.0.1',
    '126.255.255.255',
    '1.127.0.0',
    '255.255.255.255',
    '::',
    '::2',
    '::0:1:1',
    '1::1',
    'fe80::1',
    'fe80::1%lo',
    '::1%lo',
    '2001:db8::1',
    '::ffff:10.0.0.1',
    '::ffff:128.0.0.1',
    '::ffff:8000:1',
    '::127.0.0.1',
    '64:ff9b::127.0.0.1',
    '::fffe:127.0.0.1',
    'localhost',
    '127.0.0.1.evil.example',
    ' 127.0.0.1',
    '127.0.0.1 ',
    '127.0.0',
    '127.0.0.256',
    '0127.0.0.1',
    '127.0.0.1:80',
    '[::1]',
    ':::1',
    '::1::',
    '',
    undefined,
    null,
  ])('refuses %s', (addr) => {
    expect(isLoopbackAddress(addr as string | undefined)).toBe(false);
  });
});

describe('requestPath', () => {
  it.each([
    ['/', { ok: true, relative: 'index.html' }],
    ['/index.html', { ok: true, relative: 'index.html' }],
    ['/assets/app.js?v=1#x', { ok: true, relative: 'assets/app.js' }],
    ['/assets/a%20b.js', { ok: true, relative: 'assets/a b.js' }],
    ['/%252e%252e/x', { ok: true, relative: '%2e%2e/x' }],
    ['/../package.json', { ok: false, status: 400 }],
    ['/%2e%2e/package.json', { ok: false, status: 400 }],
    ['/%2E%2E%2Fpackage.json', { ok: false, status: 400 }],
    ['/assets/../../x', { ok: false, status: 400 }],
    ['/./index.html', { ok: false, status: 400 }],
    ['/..%5cpackage.json', { ok: false, status: 400 }],
    ['/index.html%00.js', { ok: false, status: 400 }],
    ['/%zz', { ok: false, status: 400 }],
    ['//evil.example/x', { ok: false, status: 400 }],
    ['http://127.0.0.1/index.html', { ok: false, status: 400 }],
    ['*', { ok: false, status: 400 }],
    ['/.env', { ok: false, status: 404 }],
    ['/assets/', { ok: false, status: 404 }],
    ['/assets//app.js', { ok: false, status: 404 }],
  ])('%s', (url, expected) => {
    expect(requestPath(url)).toEqual(expected);
  });
});

describe('web host', () => {
  let fx: Fixture;
  let host: WebHost;
  const windows: Window[] = [];

  const openWindow = async (options?: { autoPong?: boolean }): Promise<Window> => {
    const win = await Window.open(host, options);
    windows.push(win);
    return win;
  };

  beforeAll(async () => {
    fx = await makeFixture();
    host = await startWebHost({ service: fx.service, port: 0, rendererDir: fx.rendererDir });
  });

  afterEach(async () => {
    await Promise.all(windows.splice(0).map((w) => (w.closeCode === undefined ? w.close() : undefined)));
  });

  afterAll(async () => {
    await host.close();
    await fx.peer.close();
    fs.rmSync(fx.dir, { recursive: true, force: true });
  });

  describe('start', () => {
    it('hands out a URL with a fresh 32-byte base64url token in the fragment', () => {
      expect(host.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(host.token, 'base64url')).toHaveLength(32);
      expect(host.url).toBe(`http://127.0.0.1:${host.port}/#token=${host.token}`);
      expect(host.port).toBeGreaterThan(0);
    });

    it('uses a given token and refuses one unfit for a URL', async () => {
      const token = 'given-token_0123456789';
      const other = await startWebHost({ service: fx.service, port: 0, rendererDir: fx.rendererDir, token });
      try {
        expect(other.token).toBe(token);
        expect(other.url).toBe(`http://127.0.0.1:${other.port}/#token=${token}`);
        expect(
          await upgradeStatus(other.port, `/api?token=${token}`, {
            origin: `http://127.0.0.1:${other.port}`,
          }),
        ).toBe(101);
      } finally {
        await other.close();
      }
      await expect(startWebHost({ service: fx.service, port: 0, token: 'short' })).rejects.toThrow(/token/);
      await expect(startWebHost({ service: fx.service, port: 0, token: 'a&b#c'.repeat(8) })).rejects.toThrow(
        /token/,
      );
      await expect(startWebHost({ service: fx.service, port: 70_000 })).rejects.toThrow(/not a port number/);
    });

    it('rejects with one clear line when the port is taken', async () => {
      const error = await startWebHost({
        service: fx.service,
        port: host.port,
        rendererDir: fx.rendererDir,
      }).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(error?.message).toBe(`web host: 127.0.0.1:${host.port} is already in use; choose another port`);
      // The running host is untouched.
      expect((await request(host.port, '/')).status).toBe(200);
    });

    it.skipIf(externalAddresses.length === 0)(
      "is not reachable on this machine's non-loopback addresses (skipped: the machine has none)",
      async () => {
        for (const address of externalAddresses) {
          expect(await connectError(address, host.port), `connecting to ${address} port ${host.port}`).toBe(
            'ECONNREFUSED',
          );
        }
      },
    );

    it('is not reachable on the IPv6 loopback either: it listens on 127.0.0.1 only', async () => {
      expect(['ECONNREFUSED', 'EADDRNOTAVAIL']).toContain(await connectError('::1', host.port));
    });
  });

  describe('static files', () => {
    it('serves index.html for / with the security headers', async () => {
      const res = await request(host.port, '/');
      expect(res.status).toBe(200);
      expect(res.body).toBe(INDEX_HTML);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toBe(expectedCsp(host.port));
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-length']).toBe(String(Buffer.byteLength(INDEX_HTML)));
    });

    it('answers HEAD with the headers only', async () => {
      const res = await request(host.port, '/index.html', { method: 'HEAD' });
      expect(res.status).toBe(200);
      expect(res.body).toBe('');
      expect(res.headers['content-length']).toBe(String(Buffer.byteLength(INDEX_HTML)));
      expect(res.headers['content-security-policy']).toBe(expectedCsp(host.port));
    });

    it.each([
      ['app.js', 'text/javascript; charset=utf-8'],
      ['app.css', 'text/css; charset=utf-8'],
      ['logo.svg', 'image/svg+xml'],
      ['logo.png', 'image/png'],
      ['favicon.ico', 'image/x-icon'],
      ['manifest.json', 'application/json; charset=utf-8'],
      ['font.woff2', 'font/woff2'],
    ])('serves assets/%s as %s', async (name, type) => {
      const res = await request(host.port, `/assets/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(type);
      expect(res.body).toBe(fs.readFileSync(path.join(fx.rendererDir, 'assets', name), 'utf8'));
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });

    it('answers 404 for what is not there, with the security headers', async () => {
      for (const p of ['/nope.js', '/assets', '/assets/', '/.env', '/api/x']) {
        const res = await request(host.port, p);
        expect(res.status, p).toBe(404);
        expect(res.headers['content-security-policy']).toBe(expectedCsp(host.port));
        expect(res.body).not.toContain(SECRET);
      }
    });

    it('never serves a file outside the renderer dir', async () => {
      const attempts = [
        '/../secret.txt',
        '/../package.json',
        '/%2e%2e/secret.txt',
        '/%2E%2E/secret.txt',
        '/%2e%2e%2fsecret.txt',
        '/assets/../../secret.txt',
        '/assets/%2e%2e/%2e%2e/secret.txt',
        '/..%5csecret.txt',
        '/index.html%00',
        '/%00',
        '/link.txt',
        '/.env',
      ];
      for (const p of attempts) {
        const res = await request(host.port, p);
        expect([400, 404], p).toContain(res.status);
        expect(res.body, p).not.toContain(SECRET);
      }
      expect((await request(host.port, '/../package.json')).status).toBe(400);
      expect((await request(host.port, '/%2e%2e/package.json')).status).toBe(400);
    });

    it('answers 405 to other methods', async () => {
      for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
        const res = await request(host.port, '/', { method });
        expect(res.status, method).toBe(405);
        expect(res.headers.allow).toBe('GET, HEAD');
        expect(res.headers['content-security-policy']).toBe(expectedCsp(host.port));
      }
    });

    it('answers 426 to a plain request for the socket endpoint', async () => {
      expect((await request(host.port, `/api?token=${host.token}`)).status).toBe(426);
    });

    it('accepts Host 127.0.0.1:PORT and localhost:PORT, refuses any other (DNS rebinding)', async () => {
      expect((await request(host.port, '/', { headers: { Host: `localhost:${host.port}` } })).status).toBe(
        200,
      );
      expect((await request(host.port, '/', { headers: { Host: `LOCALHOST:${host.port}` } })).status).toBe(
        200,
      );
      for (const bad of [
        `evil.example:${host.port}`,
        'evil.example',
        '127.0.0.1',
        'localhost',
        `127.0.0.1:${host.port + 1}`,
        `127.0.0.1.evil.example:${host.port}`,
        `[::1]:${host.port}`,
        `0.0.0.0:${host.port}`,
      ]) {
        const res = await request(host.port, '/', { headers: { Host: bad } });
        expect(res.status, bad).toBe(403);
        expect(res.body).not.toContain('<html');
        expect(res.headers['content-security-policy']).toBe(expectedCsp(host.port));
      }
      // No Host at all: Node's parser refuses HTTP/1.1 without one (400) before the host's own check.
      expect([400, 403]).toContain((await request(host.port, '/', { setHost: false })).status);
    });

    it('says the window is not built when the renderer dir does not exist', async () => {
      const other = await startWebHost({
        service: fx.service,
        port: 0,
        rendererDir: path.join(fx.dir, 'no-such-dir'),
      });
      try {
        const res = await request(other.port, '/');
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
        expect(res.body).toMatch(/not built/);
        expect(res.body).toMatch(/npm run build/);
        expect(res.headers['content-security-policy']).toBe(expectedCsp(other.port));
        expect((await request(other.port, '/assets/app.js')).status).toBe(404);
      } finally {
        await other.close();
      }
    });
  });

  describe('socket access', () => {
    const origin = (): string => `http://127.0.0.1:${host.port}`;

    it('tells a window whether its token is current (204) or stale (401) at /api/access, no more', async () => {
      const at = (query: string, headers?: Record<string, string>) =>
        request(host.port, `/api/access${query}`, headers ? { headers } : {});
      const ok = await at(`?token=${host.token}`, { Origin: origin() });
      expect(ok.status).toBe(204);
      expect(ok.body).toBe('');
      expect(ok.headers['cache-control']).toBe('no-store');
      // A same-origin GET without an Origin header (what fetch sends) is answered too.
      expect((await at(`?token=${host.token}`)).status).toBe(204);
      const flipped = (host.token[0] === 'A' ? 'B' : 'A') + host.token.slice(1);
      for (const stale of [`?token=${flipped}`, '?token=', '', `?tok=${host.token}`]) {
        const res = await at(stale);
        expect(res.status, stale).toBe(401);
        expect(res.body).toBe('');
      }
      // Another site cannot use it to test tokens from a browser.
      expect((await at(`?token=${host.token}`, { Origin: 'http://evil.example' })).status).toBe(403);
      // The loopback and Host rules hold here as everywhere.
      expect(
        (await request(host.port, `/api/access?token=${host.token}`, { headers: { Host: 'evil.example' } }))
          .status,
      ).toBe(403);
    });

    it('opens with the token from 127.0.0.1 or localhost', async () => {
      expect(await upgradeStatus(host.port, `/api?token=${host.token}`, { origin: origin() })).toBe(101);
      expect(
        await upgradeStatus(host.port, `/api?token=${host.token}`, {
          origin: `http://localhost:${host.port}`,
          headers: { Host: `localhost:${host.port}` },
        }),
      ).toBe(101);
    });

    it('refuses a missing or wrong token with 401', async () => {
      expect(await upgradeStatus(host.port, '/api', { origin: origin() })).toBe(401);
      expect(await upgradeStatus(host.port, '/api?token=', { origin: origin() })).toBe(401);
      expect(await upgradeStatus(host.port, '/api?token=wrong', { origin: origin() })).toBe(401);
      const flipped = (host.token[0] === 'A' ? 'B' : 'A') + host.token.slice(1);
      expect(await upgradeStatus(host.port, `/api?token=${flipped}`, { origin: origin() })).toBe(401);
      expect(await upgradeStatus(host.port, `/api?token=${host.token}x`, { origin: origin() })).toBe(401);
      expect(await upgradeStatus(host.port, `/api?tok=${host.token}`, { origin: origin() })).toBe(401);
    });

    it('refuses a foreign or missing Origin with 403, even with the token', async () => {
      const api = `/api?token=${host.token}`;
      for (const bad of [
        'http://evil.example',
        `http://evil.example:${host.port}`,
        `https://127.0.0.1:${host.port}`,
        `http://127.0.0.1:${host.port + 1}`,
        'http://127.0.0.1',
        `http://127.0.0.1:${host.port}/`,
        `http://[::1]:${host.port}`,
        'null',
        'file://',
      ]) {
        expect(await upgradeStatus(host.port, api, { origin: bad }), bad).toBe(403);
      }
      expect(await upgradeStatus(host.port, api, {})).toBe(403);
    });

    it('refuses a wrong Host header with 403', async () => {
      const api = `/api?token=${host.token}`;
      expect(
        await upgradeStatus(host.port, api, { origin: origin(), headers: { Host: 'evil.example' } }),
      ).toBe(403);
      expect(
        await upgradeStatus(host.port, api, {
          origin: origin(),
          headers: { Host: `evil.example:${host.port}` },
        }),
      ).toBe(403);
    });

    it('has no socket but /api', async () => {
      expect(await upgradeStatus(host.port, `/other?token=${host.token}`, { origin: origin() })).toBe(404);
      expect(await upgradeStatus(host.port, `/api/?token=${host.token}`, { origin: origin() })).toBe(404);
    });
  });

  describe('the contract over the socket', () => {
    it('creates, lists and reads a chat', async () => {
      const win = await openWindow();
      const created = await win.call('createChat', { name: 'Lunch', message: 'Noodles?', author: 'Ada' });
      expect(created).toMatchObject({ id: 1, ok: true, result: { name: 'Lunch' } });
      const chat = created.result as { uuid: string; name: string; createdAt: number };

      const list = await win.call('listChats', {});
      expect(list.ok).toBe(true);
      expect((list.result as { mine: { uuid: string }[] }).mine.map((c) => c.uuid)).toContain(chat.uuid);

      const read = await win.call('readChat', { host: null, chatUuid: chat.uuid });
      expect(read.ok).toBe(true);
      expect(read.result).toEqual({
        messages: [
          expect.objectContaining({ name: 'Ada', content: 'Noodles?', createdAt: expect.any(Number) }),
        ],
        lastSeq: 1,
        full: true,
        live: false,
      });
    });

    it('echoes string ids and answers commands out of order without mixing them up', async () => {
      const win = await openWindow();
      const replies = new Map<unknown, Incoming>();
      const done = Promise.all(
        ['a', 'b', 'c'].map((id) => win.waitFor((m) => m.id === id).then((m) => replies.set(id, m))),
      );
      win.ws.send(JSON.stringify({ id: 'a', cmd: 'getStatus', args: {} }));
      win.ws.send(JSON.stringify({ id: 'b', cmd: 'getSettings' }));
      win.ws.send(JSON.stringify({ id: 'c', cmd: 'listPeers', args: {} }));
      await done;
      expect(replies.get('a')).toMatchObject({ ok: true, result: { mode: 'peer' } });
      expect(replies.get('b')).toMatchObject({ ok: true, result: { onboarded: false } });
      expect(replies.get('c')).toMatchObject({ ok: true, result: [] });
    });

    it('answers invalid arguments and unknown commands with invalid-argument', async () => {
      const win = await openWindow();
      const bad = await win.call('createChat', { name: '', message: 'x', author: 'Ada' });
      expect(bad).toMatchObject({ id: expect.any(Number), ok: false, error: { kind: 'invalid-argument' } });
      expect(bad.error?.message).toMatch(/name/);
      const missing = await win.call('readChat', { host: null, chatUuid: 'no-such-chat' });
      expect(missing).toMatchObject({ ok: false, error: { kind: 'not-found' } });
      const unknown = await win.call('dropAllTables', {});
      expect(unknown).toMatchObject({ ok: false, error: { kind: 'invalid-argument' } });
      const proto = await win.call('__proto__', {});
      expect(proto).toMatchObject({ ok: false, error: { kind: 'invalid-argument' } });
    });

    it('pushes events: a posted message arrives as a message event on every socket', async () => {
      const a = await openWindow();
      const b = await openWindow();
      const created = await a.call('createChat', { name: 'Events', message: 'first', author: 'Ada' });
      const chatUuid = (created.result as { uuid: string }).uuid;
      await Promise.all([a, b].map((w) => w.waitFor((m) => m.event === 'chatsChanged')));

      const posted = await b.call('postMessage', { host: null, chatUuid, name: 'Bob', content: 'hello' });
      expect(posted).toMatchObject({ ok: true, result: null });
      for (const w of [a, b]) {
        const event = await w.waitFor((m) => m.event === 'message');
        expect(event).toEqual({ event: 'message', payload: { host: null, chatUuid } });
      }
      const read = await a.call('readChat', { host: null, chatUuid });
      const { messages } = read.result as { messages: { content: string }[] };
      expect(messages.map((m) => m.content)).toEqual(['first', 'hello']);
    });

    it('stops sending events to a closed socket and keeps serving the others', async () => {
      const a = await openWindow();
      const b = await openWindow();
      await a.close();
      await b.call('setMode', { mode: 'bootstrap' });
      const modeEvent = await b.waitFor((m) => m.event === 'modeChanged');
      expect(modeEvent.payload).toEqual({ mode: 'bootstrap' });
      await b.waitFor((m) => m.event === 'statusChanged');
      expect(a.events('modeChanged')).toEqual([]);
      const back = await b.call('setMode', { mode: 'peer' });
      expect(back).toMatchObject({ ok: true, result: { mode: 'peer' } });
    });
  });

  describe('malformed frames', () => {
    const expectInvalid = (reply: Incoming, pattern: RegExp): void => {
      expect(reply).toMatchObject({ id: null, ok: false, error: { kind: 'invalid-argument' } });
      expect(reply.error?.message).toMatch(pattern);
    };

    it('answers each with an invalid-argument reply and keeps the socket open', async () => {
      const win = await openWindow();
      expectInvalid(await win.sendRaw('this is not json'), /JSON/);
      expectInvalid(await win.sendRaw('{"id":1,"cmd":'), /JSON/);
      expectInvalid(await win.sendRaw(Buffer.from([0x7b, 0x7d, 0xff]), true), /binary/);
      expectInvalid(await win.sendRaw(JSON.stringify({ id: 1, cmd: 'getStatus' }), true), /binary/);
      expectInvalid(await win.sendRaw('[1,2,3]'), /object/);
      expectInvalid(await win.sendRaw('null'), /object/);
      expectInvalid(await win.sendRaw('42'), /object/);
      expectInvalid(await win.sendRaw(JSON.stringify({ cmd: 'getStatus' })), /id/);
      expectInvalid(await win.sendRaw(JSON.stringify({ id: 'x'.repeat(65), cmd: 'getStatus' })), /id/);
      expectInvalid(await win.sendRaw(JSON.stringify({ id: { a: 1 }, cmd: 'getStatus' })), /id/);
      expectInvalid(await win.sendRaw(JSON.stringify({ id: true, cmd: 'getStatus' })), /id/);
      // A usable id is echoed even when cmd is not.
      const noCmd = await win.call('', {});
      expect(noCmd).toMatchObject({ ok: false, error: { kind: 'invalid-argument' } });
      expect(noCmd.id).not.toBeNull();
      const longId = 'y'.repeat(64);
      const okLong = win.waitFor((m) => m.id === longId);
      win.ws.send(JSON.stringify({ id: longId, cmd: 'getStatus', args: {} }));
      expect(await okLong).toMatchObject({ ok: true });

      expect(win.ws.readyState).toBe(WebSocket.OPEN);
      expect(await win.call('getStatus', {})).toMatchObject({ ok: true });
    });

    it('answers a message over 1 MiB with an error and keeps the socket open', async () => {
      const win = await openWindow();
      const big = JSON.stringify({ id: 1, cmd: 'getStatus', args: { pad: 'x'.repeat(MAX_MESSAGE_BYTES) } });
      expect(Buffer.byteLength(big)).toBeGreaterThan(MAX_MESSAGE_BYTES);
      expectInvalid(await win.sendRaw(big), /over 1048576 bytes/);
      expect(await win.call('getStatus', {})).toMatchObject({ ok: true });
    });

    it('closes a socket that sends a frame over the hard cap (1009); the host goes on', async () => {
      const win = await openWindow();
      win.ws.send('x'.repeat(HARD_MAX_PAYLOAD_BYTES + 1));
      expect(await win.closed).toBe(1009);
      const next = await openWindow();
      expect(await next.call('getStatus', {})).toMatchObject({ ok: true });
    });
  });

  describe('heartbeat and close', () => {
    it('drops a socket that stops answering pings, keeps one that answers', async () => {
      const other = await startWebHost({
        service: fx.service,
        port: 0,
        rendererDir: fx.rendererDir,
        heartbeatMs: 100,
      });
      try {
        const dead = await Window.open(other, { autoPong: false });
        const live = await Window.open(other);
        expect(await dead.closed).toBe(1006);
        await new Promise((r) => setTimeout(r, 400));
        expect(live.ws.readyState).toBe(WebSocket.OPEN);
        expect(await live.call('getStatus', {})).toMatchObject({ ok: true });
        await live.close();
      } finally {
        await other.close();
      }
    });

    it('closes every socket and stops listening; closing twice is fine', async () => {
      const counting = countingService(fx.service);
      const other = await startWebHost({ service: counting.service, port: 0, rendererDir: fx.rendererDir });
      const a = await Window.open(other);
      const b = await Window.open(other);
      // One subscription per event per window.
      expect(counting.active()).toBe(2 * eventNames.length);
      await a.close();
      await waitUntil(() => counting.active() === eventNames.length);
      await Promise.all([other.close(), other.close()]);
      expect(await b.closed).toBe(1001);
      expect(counting.active()).toBe(0);
      await expect(request(other.port, '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await other.close();
    });
  });
});

/** The service with a count of event subscriptions still held. */
function countingService(service: NanceService): { service: CommandService; active: () => number } {
  let active = 0;
  return {
    active: () => active,
    service: {
      dispatch: (cmd, args) => service.dispatch(cmd, args),
      events: {
        on(event, listener) {
          active++;
          const off = service.events.on(event, listener);
          let on = true;
          return () => {
            if (!on) return;
            on = false;
            active--;
            off();
          };
        },
      },
    },
  };
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
