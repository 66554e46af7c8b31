// The window's settings and the decisions around it, as plain values: the webPreferences, the
// Content-Security-Policy, what closing does, what a second launch does.

/** The webPreferences of the window (a subset of Electron's WebPreferences, same field names). */
export interface WindowWebPreferences {
  preload: string;
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  webviewTag: false;
  navigateOnDragDrop: false;
  spellcheck: false;
  /** Timers keep running while the window is hidden in the tray: the open chat's poll feeds notifications. */
  backgroundThrottling: false;
}

/**
 * No remote module: it was removed from Electron in v14 (there is no `enableRemoteModule` any more)
 * and `@electron/remote` is not a dependency. The window reaches main only through the preload's
 * `window.nance`.
 */
export function windowWebPreferences(preloadPath: string): WindowWebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    backgroundThrottling: false,
  };
}

/** The rest of the BrowserWindow options. `show: false`: shown once the page is ready (no white flash). */
export const WINDOW_OPTIONS = {
  width: 1100,
  height: 760,
  minWidth: 720,
  minHeight: 480,
  title: 'Nance',
  show: false,
  autoHideMenuBar: true,
} as const;

/**
 * The window's policy, sent as a header on every app://nance response (app-protocol.ts) and on
 * anything else that passes the network stack (withCsp). Nothing unless listed; our own files
 * ('self' is app://nance) for scripts, styles, images and fonts; no inline code or eval; no
 * network at all (the window reaches main only through IPC: src-renderer/bridge uses the preload's
 * window.nance when it exists, and the WebSocket only in a browser on the web host); no plugins,
 * no <base>, no form posts, never framed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The response headers with our CSP in place of any the response had (header names are matched
 * case-insensitively, as HTTP does).
 */
export function withCsp(headers: Record<string, string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') out[name] = value;
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return out;
}

/** Closing the window hides it in the tray (the peer keeps running), unless the app is quitting. */
export function onWindowClose(state: { quitting: boolean }): 'hide' | 'close' {
  return state.quitting ? 'close' : 'hide';
}

export type RaiseStep = 'create' | 'restore' | 'show' | 'focus';

/**
 * What brings the window to the front (a second launch, a click on the tray or the dock, a
 * notification): the steps, in order, for the window as it is.
 */
export function raiseWindowSteps(win: {
  exists: boolean;
  minimized: boolean;
  visible: boolean;
}): RaiseStep[] {
  if (!win.exists) return ['create', 'show', 'focus'];
  const steps: RaiseStep[] = [];
  if (win.minimized) steps.push('restore');
  if (!win.visible) steps.push('show');
  steps.push('focus');
  return steps;
}
