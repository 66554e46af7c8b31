// Builds the window (src-renderer) into build/renderer. `base: './'` keeps every URL relative, so
// the same files load from app://nance in Electron and from the web host on 127.0.0.1.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('./src-renderer', import.meta.url));
const outDir = fileURLToPath(new URL('./build/renderer', import.meta.url));

/** No inline scripts or styles, no eval; sockets only to the page's own host (the web host's /api). */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Adds the CSP to the built page only (the dev server injects inline styles for hot reload). */
function csp(): Plugin {
  return {
    name: 'nance-csp',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy },
        injectTo: 'head',
      },
    ],
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [react(), csp()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    modulePreload: { polyfill: false },
  },
  server: { host: '127.0.0.1' },
});
