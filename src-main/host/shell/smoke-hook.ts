// The smoke hook: how the packaged-app smoke suite (e2e/electron/packaged.spec.ts) drives what
// only the main process has, the tray and the window's close button. Playwright's own Electron
// driver attaches through the Node inspector, which the packaged binary refuses (the
// EnableNodeCliInspectArguments fuse, scripts/fuses.cjs), so the suite talks to the renderer over
// Chromium's DevTools port and to main over this hook: JSON lines on stdin, answers on stdout.
// It is off unless the environment asks for it, and it can do only what the tray's user can.
import type { TrayItemId } from './tray-menu.js';

/** `NANCE_SMOKE_HOOK=1` in the app's environment turns the hook on. */
export const SMOKE_HOOK_ENV = 'NANCE_SMOKE_HOOK';

export function smokeHookEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  return env[SMOKE_HOOK_ENV] === '1';
}

const TRAY_ITEMS: readonly TrayItemId[] = ['toggle-window', 'restart-to-update', 'bootstrap-mode', 'quit'];

/**
 * - `tray`: the tray's menu items and tooltip, or `{tray: false}` without one.
 * - `trayClick`: a click on one menu item, as Electron makes it (a checkbox flips first).
 * - `closeWindow`: the window's close button. `window`: whether a window exists and shows.
 */
export type SmokeRequest =
  | { id: number; hook: 'tray' }
  | { id: number; hook: 'trayClick'; item: TrayItemId }
  | { id: number; hook: 'closeWindow' }
  | { id: number; hook: 'window' };

/** One request line, or null for anything else (other lines on stdin are not ours). */
export function parseSmokeRequest(line: string): SmokeRequest | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { id, hook, item } = value as { id?: unknown; hook?: unknown; item?: unknown };
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return null;
  if (hook === 'tray' || hook === 'closeWindow' || hook === 'window') return { id, hook };
  if (hook === 'trayClick' && TRAY_ITEMS.includes(item as TrayItemId)) {
    return { id, hook, item: item as TrayItemId };
  }
  return null;
}

/** The answer line to request `id`. */
export function smokeReply(id: number, hook: SmokeRequest['hook'], result: Record<string, unknown>): string {
  return `${JSON.stringify({ smoke: hook, id, ...result })}\n`;
}
