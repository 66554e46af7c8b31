// The desktop window's own origin, app://nance: the scheme's privileges and the handler that
// serves build/renderer under it, as plain code (Electron's protocol.handle gives a WHATWG
// Request and takes a Response; Node has both, so this is tested without Electron).
//
// Why not file://: Chromium gives file:// responses no headers, so no CSP header can be set (only
// the page's <meta>, written for the web host), and a file: page has the privileges of a file
// origin (other files on the disk are same-scheme). Under app://nance every response carries our
// CSP and nothing outside the renderer's build folder can be named.
import fs from 'node:fs';
import path from 'node:path';
import { contentTypeOf } from '../web/static-files.js';
import { CONTENT_SECURITY_POLICY } from './window-options.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'nance';
/** The window's origin. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The one page the window loads, and the only one whose frames may call main (ipc-guard.ts). */
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * For `protocol.registerSchemesAsPrivileged` (before app ready). standard: URLs with a host and
 * relative paths resolve as for https, and the page has a real origin (`'self'` is app://nance);
 * secure: a secure context, like https; supportFetchAPI: the module scripts and fetch() of our own
 * files work. Deliberately not corsEnabled (nothing may read it cross-origin), not bypassCSP, not
 * allowServiceWorkers, not stream.
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true } as const;

/** Headers on every response, error or not. */
function baseHeaders(): Headers {
  return new Headers({
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    // Local files from the app bundle: nothing to gain from a cache, and no stale page after an update.
    'Cache-Control': 'no-store',
  });
}

function textResponse(status: number, text: string, method: string, extra: Record<string, string> = {}) {
  const headers = baseHeaders();
  headers.set('Content-Type', 'text/plain; charset=utf-8');
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return new Response(method === 'HEAD' ? null : text, { status, headers });
}

export type AppPath = { ok: true; relative: string } | { ok: false; status: 403 | 404 };

/**
 * The file an app://nance URL path names, relative to the served folder, or why there is none.
 * 403 for anything that could step out of the folder or name a file another way: "." or ".."
 * segments (also percent-encoded, though the URL parser normally removes them first), an encoded
 * "/" or "\", a backslash, NUL, a ":" (a Windows drive or stream), an undecodable escape. 404 for
 * an empty segment ("//", a trailing "/") and hidden names. "/" is index.html.
 */
export function appRequestPath(pathname: string): AppPath {
  if (!pathname.startsWith('/')) return { ok: false, status: 403 };
  if (pathname === '/') return { ok: true, relative: 'index.html' };
  const segments: string[] = [];
  for (const raw of pathname.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 403 };
    }
    if (segment === '.' || segment === '..' || /[/\\:\0]/.test(segment)) return { ok: false, status: 403 };
    if (segment === '' || segment.startsWith('.')) return { ok: false, status: 404 };
    segments.push(segment);
  }
  return { ok: true, relative: segments.join('/') };
}

const inside = (root: string, file: string): boolean =>
  file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/**
 * Answers one request of the window for app://nance/… from `rootDir` (build/renderer): GET and
 * HEAD only (405), host `nance` only (404), the path confined to the folder as written and after
 * symlinks (403), regular files only (404), with its Content-Type, our CSP, nosniff and no-store.
 * Never throws: a read that fails is a 404 (missing) or a 500.
 */
export async function serveAppRequest(request: Request, rootDir: string): Promise<Response> {
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') {
    return textResponse(405, 'Method not allowed\n', method, { Allow: 'GET, HEAD' });
  }
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return textResponse(404, 'Not found\n', method);
  }
  if (
    url.protocol !== `${APP_SCHEME}:` ||
    url.host !== APP_HOST ||
    url.username !== '' ||
    url.password !== ''
  ) {
    return textResponse(404, 'Not found\n', method);
  }
  // Chromium always sends a path; a URL parser of a non-special scheme leaves `app://nance` without one.
  const wanted = appRequestPath(url.pathname === '' ? '/' : url.pathname);
  if (!wanted.ok) {
    return textResponse(wanted.status, wanted.status === 403 ? 'Forbidden\n' : 'Not found\n', method);
  }
  const base = path.resolve(rootDir);
  const file = path.resolve(base, wanted.relative);
  if (!inside(base, file)) return textResponse(403, 'Forbidden\n', method);

  let realFile: string;
  let stat: fs.Stats;
  try {
    const realBase = await fs.promises.realpath(base);
    realFile = await fs.promises.realpath(file);
    if (!inside(realBase, realFile)) return textResponse(403, 'Forbidden\n', method);
    stat = await fs.promises.stat(realFile);
  } catch {
    return textResponse(404, 'Not found\n', method);
  }
  if (!stat.isFile()) return textResponse(404, 'Not found\n', method);

  let body: Uint8Array<ArrayBuffer> | null = null;
  if (method === 'GET') {
    try {
      // A copy into a plain ArrayBuffer (what BodyInit takes); the window's files are small.
      body = new Uint8Array(await fs.promises.readFile(realFile));
    } catch {
      return textResponse(500, 'Cannot read the file\n', method);
    }
  }
  const headers = baseHeaders();
  headers.set('Content-Type', contentTypeOf(realFile));
  headers.set('Content-Length', String(body ? body.byteLength : stat.size));
  return new Response(body, { status: 200, headers });
}
