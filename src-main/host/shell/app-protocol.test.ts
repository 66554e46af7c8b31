import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_INDEX_URL,
  APP_ORIGIN,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  appRequestPath,
  serveAppRequest,
} from './app-protocol.js';
import { CONTENT_SECURITY_POLICY } from './window-options.js';

// tmp/
//   secret.txt            outside the served folder
//   renderer/             the served folder
//     index.html, favicon.svg, assets/app.js, assets/app.css, .hidden
//     escape.txt -> ../secret.txt   (a symlink out)
//     linked.js -> assets/app.js    (a symlink that stays inside)
let tmp: string;
let root: string;
const INDEX = '<!doctype html><title>Nance</title>';
const SCRIPT = 'console.log("nance");';
let symlinks = true;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-app-protocol-'));
  root = path.join(tmp, 'renderer');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'SECRET');
  fs.writeFileSync(path.join(root, 'index.html'), INDEX);
  fs.writeFileSync(path.join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  fs.writeFileSync(path.join(root, 'assets', 'app.js'), SCRIPT);
  fs.writeFileSync(path.join(root, 'assets', 'app.css'), 'body{}');
  fs.writeFileSync(path.join(root, '.hidden'), 'hidden');
  try {
    fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(root, 'escape.txt'));
    fs.symlinkSync(path.join(root, 'assets', 'app.js'), path.join(root, 'linked.js'));
    fs.symlinkSync(tmp, path.join(root, 'up'));
  } catch {
    symlinks = false; // Windows without the privilege to make symlinks
  }
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const get = (url: string, init?: RequestInit) => serveAppRequest(new Request(url, init), root);

function expectSecurityHeaders(res: Response): void {
  expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('cache-control')).toBe('no-store');
}

describe('the app:// scheme', () => {
  it('app://nance/index.html, standard and secure, readable by fetch, not cross-origin', () => {
    expect(APP_SCHEME).toBe('app');
    expect(APP_ORIGIN).toBe('app://nance');
    expect(APP_INDEX_URL).toBe('app://nance/index.html');
    expect(APP_SCHEME_PRIVILEGES).toEqual({ standard: true, secure: true, supportFetchAPI: true });
    expect(Object.keys(APP_SCHEME_PRIVILEGES)).not.toContain('bypassCSP');
    expect(Object.keys(APP_SCHEME_PRIVILEGES)).not.toContain('corsEnabled');
  });
});

describe('serveAppRequest', () => {
  it('serves index.html as HTML with the CSP and nosniff', async () => {
    const res = await get(APP_INDEX_URL);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(INDEX)));
    expectSecurityHeaders(res);
    expect(await res.text()).toBe(INDEX);
  });

  it('"/" is index.html; a query or fragment does not change the file', async () => {
    expect(await (await get('app://nance/')).text()).toBe(INDEX);
    expect(await (await get('app://nance')).text()).toBe(INDEX);
    expect(await (await get('app://nance/index.html?x=1#y')).text()).toBe(INDEX);
  });

  it('serves assets with their types', async () => {
    const js = await get('app://nance/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expectSecurityHeaders(js);
    expect(await js.text()).toBe(SCRIPT);
    const css = await get('app://nance/assets/app.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const svg = await get('app://nance/favicon.svg');
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    // Percent-encoded names are decoded (a plain letter here).
    expect(await (await get('app://nance/assets/%61pp.js')).text()).toBe(SCRIPT);
  });

  it('404 for missing files, folders and hidden files, still with the CSP', async () => {
    for (const url of [
      'app://nance/missing.js',
      'app://nance/assets/',
      'app://nance/assets',
      'app://nance/.hidden',
      'app://nance/assets//app.js',
      'app://nance/index.html/',
    ]) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expectSecurityHeaders(res);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    }
  });

  it('never serves a file outside the folder (traversal as written, encoded, or absolute)', async () => {
    for (const url of [
      'app://nance/../secret.txt',
      'app://nance/assets/../../secret.txt',
      'app://nance/%2e%2e/secret.txt',
      'app://nance/%2E%2E/secret.txt',
      'app://nance/.%2e/secret.txt',
      'app://nance/..%2fsecret.txt',
      'app://nance/assets%2f..%2f..%2fsecret.txt',
      'app://nance/..%5csecret.txt',
      'app://nance/..\\secret.txt',
      'app://nance//secret.txt',
      `app://nance/${encodeURIComponent(path.join(tmp, 'secret.txt'))}`,
      `app://nance/${path.join(tmp, 'secret.txt').replace(/\\/g, '/')}`,
      'app://nance/C:/Windows/win.ini',
      'app://nance/C%3a%5cWindows%5cwin.ini',
      'app://nance/secret.txt%00.js',
      'app://nance/%E0%A4%A',
    ]) {
      const res = await get(url);
      expect([403, 404], url).toContain(res.status);
      const body = await res.text();
      expect(body, url).not.toContain('SECRET');
    }
    // The encoded ones are refused as such, not merely missing.
    expect((await get('app://nance/..%2fsecret.txt')).status).toBe(403);
    expect((await get('app://nance/..%5csecret.txt')).status).toBe(403);
    expect((await get('app://nance/C%3a%5cWindows%5cwin.ini')).status).toBe(403);
  });

  it('a symlink pointing outside is refused; one that stays inside is served', async (ctx) => {
    if (!symlinks) ctx.skip();
    const out = await get('app://nance/escape.txt');
    expect(out.status).toBe(403);
    expect(await out.text()).not.toContain('SECRET');
    const dir = await get('app://nance/up/secret.txt');
    expect(dir.status).toBe(403);
    expect(await dir.text()).not.toContain('SECRET');
    const inside = await get('app://nance/linked.js');
    expect(inside.status).toBe(200);
    expect(await inside.text()).toBe(SCRIPT);
  });

  it('only the host nance, without user info or port', async () => {
    for (const url of [
      'app://other/index.html',
      'app://nance.evil/index.html',
      'app://nance:8080/index.html',
      'file:///index.html',
      'https://nance/index.html',
    ]) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expectSecurityHeaders(res);
    }
    // Node's Request refuses URLs with credentials; the handler refuses them whatever carries them.
    const withUser = { method: 'GET', url: 'app://user@nance/index.html' } as Request;
    expect((await serveAppRequest(withUser, root)).status).toBe(404);
  });

  it('GET and HEAD only', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const init: RequestInit = { method };
      if (method !== 'OPTIONS' && method !== 'DELETE') init.body = 'x';
      const res = await get(APP_INDEX_URL, init);
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expectSecurityHeaders(res);
    }
  });

  it('HEAD: the headers of GET, no body', async () => {
    const res = await get('app://nance/assets/app.js', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(SCRIPT)));
    expectSecurityHeaders(res);
    expect(res.body).toBeNull();
    const missing = await get('app://nance/missing.js', { method: 'HEAD' });
    expect(missing.status).toBe(404);
    expect(missing.body).toBeNull();
  });

  it('a folder that does not exist (no build yet): 404, no throw', async () => {
    const res = await serveAppRequest(new Request(APP_INDEX_URL), path.join(tmp, 'nope'));
    expect(res.status).toBe(404);
  });
});

describe('appRequestPath', () => {
  it('plain paths', () => {
    expect(appRequestPath('/')).toEqual({ ok: true, relative: 'index.html' });
    expect(appRequestPath('/index.html')).toEqual({ ok: true, relative: 'index.html' });
    expect(appRequestPath('/assets/a%20b.js')).toEqual({ ok: true, relative: 'assets/a b.js' });
  });

  it('refuses dot segments, encoded separators, NUL, drive colons, bad escapes', () => {
    for (const p of [
      '/..',
      '/../x',
      '/a/../x',
      '/./x',
      '/%2e%2e/x',
      '/%2E%2e/x',
      '/%2e/x',
      '/a%2fb',
      '/a%2Fb',
      '/a%5cb',
      '/a\\b',
      '/a%00b',
      '/C:/x',
      '/%E0%A4%A',
      'relative',
      '',
    ]) {
      expect(appRequestPath(p), p).toEqual({ ok: false, status: 403 });
    }
  });

  it('empty segments and hidden names are simply not there', () => {
    for (const p of ['//x', '/a//b', '/a/', '/.env', '/a/.git/config']) {
      expect(appRequestPath(p), p).toEqual({ ok: false, status: 404 });
    }
  });
});
