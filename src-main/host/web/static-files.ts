// The built window (index.html + assets) served from one directory, and nothing outside it.
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type RequestPath = { ok: true; relative: string } | { ok: false; status: 400 | 404 };

/**
 * The file a request URL names, relative to the served directory, or why there is none:
 * 400 for a URL that is not a plain absolute path (bad escapes, NUL, backslashes, "." or ".."
 * segments, even percent-encoded), 404 for hidden files and directories other than "/".
 */
export function requestPath(rawUrl: string): RequestPath {
  if (!rawUrl.startsWith('/') || rawUrl.startsWith('//')) return { ok: false, status: 400 };
  const end = rawUrl.search(/[?#]/);
  const encoded = end < 0 ? rawUrl : rawUrl.slice(0, end);
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return { ok: false, status: 400 };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, status: 400 };
  if (decoded === '/') return { ok: true, relative: 'index.html' };
  const segments = decoded.slice(1).split('/');
  if (segments.some((s) => s === '.' || s === '..')) return { ok: false, status: 400 };
  if (segments.some((s) => s === '' || s.startsWith('.'))) return { ok: false, status: 404 };
  return { ok: true, relative: segments.join('/') };
}

const inside = (root: string, file: string): boolean =>
  file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

const NOT_BUILT =
  'Nance: the window is not built yet.\n\n' +
  'Run `npm run build` in the Nance folder, then reload this page.\n';

/**
 * Answers a GET or HEAD for a file under `root` (security headers are set by the caller).
 * Resolves the path, checks it is inside `root` both as written and after symlinks, and streams it.
 */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  sendText: (status: number, text: string) => void,
): Promise<void> {
  const wanted = requestPath(req.url ?? '');
  if (!wanted.ok) {
    sendText(wanted.status, wanted.status === 400 ? 'Bad request\n' : 'Not found\n');
    return;
  }
  // No build yet: say so on the page a person opens, 404 for everything else.
  const missing = (): void => {
    if (wanted.relative === 'index.html') {
      res.setHeader('Cache-Control', 'no-store');
      sendText(200, NOT_BUILT);
    } else {
      sendText(404, 'Not found\n');
    }
  };
  const base = path.resolve(root);
  const file = path.resolve(base, wanted.relative);
  if (!inside(base, file)) {
    sendText(404, 'Not found\n');
    return;
  }
  let realBase: string;
  try {
    realBase = await fs.promises.realpath(base);
  } catch {
    missing();
    return;
  }
  let realFile: string;
  let stat: fs.Stats;
  try {
    realFile = await fs.promises.realpath(file);
    stat = await fs.promises.stat(realFile);
  } catch {
    missing();
    return;
  }
  if (!inside(realBase, realFile) || !stat.isFile()) {
    sendText(404, 'Not found\n');
    return;
  }
  const isHtml = path.extname(realFile).toLowerCase() === '.html';
  res.statusCode = 200;
  res.setHeader('Content-Type', contentTypeOf(realFile));
  res.setHeader('Content-Length', String(stat.size));
  res.setHeader('Cache-Control', isHtml ? 'no-store' : 'no-cache');
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = fs.createReadStream(realFile);
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
}
