// A stand-in for the parts of Electron's main-process API that src-main/host/electron/main.ts
// uses, for driving the compiled main.js in plain Node (there is no Electron binary here). It
// reports what main does as JSON lines on stdout ({"fake": …}) and takes actions as JSON lines on
// stdin ({"do": …}), playing the window, the tray and the user. It checks the wiring's order and
// data, not Electron's behaviour.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const report = (obj) => process.stdout.write(`${JSON.stringify({ fake: obj.fake, ...obj })}\n`);

function preventable(extra = {}) {
  const event = { defaultPrevented: false, ...extra };
  event.preventDefault = () => {
    event.defaultPrevented = true;
  };
  return event;
}

const paths = new Map();
const windows = new Set();
const handlers = new Map();
const sessionHandlers = {};
const protocolHandlers = new Map();
let tray = null;
let quitting = false;
let ready = false;

class App extends EventEmitter {
  setPath(name, value) {
    paths.set(name, value);
  }
  getPath(name) {
    const value = paths.get(name) ?? process.env.FAKE_USER_DATA;
    if (!value) throw new Error(`fake: no path ${name}`);
    return value;
  }
  enableSandbox() {
    report({ fake: 'enableSandbox' });
  }
  requestSingleInstanceLock() {
    // Electron keys the lock on userData: report it, the lock is only per data dir if it is set first.
    report({ fake: 'lock', userData: paths.get('userData') ?? null });
    return process.env.FAKE_LOCK !== 'taken';
  }
  whenReady() {
    return new Promise((resolve) =>
      setImmediate(() => {
        ready = true;
        resolve();
      }),
    );
  }
  getPreferredSystemLanguages() {
    return (process.env.FAKE_LANGS ?? 'en-US').split(',');
  }
  getLocale() {
    return 'en-US';
  }
  setAppUserModelId() {}
  setBadgeCount(count) {
    report({ fake: 'badge', count });
    return true;
  }
  quit() {
    if (quitting) return;
    quitting = true;
    const before = preventable();
    this.emit('before-quit', before);
    if (before.defaultPrevented) {
      quitting = false;
      return;
    }
    for (const win of [...windows]) win.close();
    if ([...windows].some((w) => !w.isDestroyed())) {
      quitting = false;
      return;
    }
    const will = preventable();
    this.emit('will-quit', will);
    if (!will.defaultPrevented) this.exit(0);
  }
  exit(code = 0) {
    report({ fake: 'exit', code });
    process.exit(code);
  }
}

export const app = new App();

class WebContents extends EventEmitter {
  constructor() {
    super();
    this.mainFrame = { url: '', parent: null };
    this.openHandler = null;
  }
  send(channel, message) {
    report({ fake: 'send', channel, message });
  }
  setWindowOpenHandler(handler) {
    this.openHandler = handler;
  }
}

export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.visible = false;
    this.focused = false;
    this.minimized = false;
    this.destroyed = false;
    this.webContents = new WebContents();
    windows.add(this);
    app.emit('web-contents-created', preventable(), this.webContents);
    report({ fake: 'window', options });
  }
  loadFile(file) {
    report({ fake: 'loadFile', file, exists: fs.existsSync(file) });
    this.webContents.mainFrame.url = pathToFileURL(file).href;
    setImmediate(() => this.emit('ready-to-show'));
    return Promise.resolve();
  }
  loadURL(url) {
    const scheme = new URL(url).protocol.slice(0, -1);
    report({ fake: 'loadURL', url, handled: protocolHandlers.has(scheme) });
    this.webContents.mainFrame.url = url;
    setImmediate(() => this.emit('ready-to-show'));
    return Promise.resolve();
  }
  show() {
    this.visible = true;
    this.focused = true;
    this.emit('show');
  }
  hide() {
    this.visible = false;
    this.focused = false;
    this.emit('hide');
  }
  focus() {
    this.focused = true;
  }
  restore() {
    this.minimized = false;
  }
  isVisible() {
    return this.visible;
  }
  isFocused() {
    return this.focused;
  }
  isMinimized() {
    return this.minimized;
  }
  isDestroyed() {
    return this.destroyed;
  }
  close() {
    const event = preventable();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroyed = true;
    this.visible = false;
    windows.delete(this);
    this.emit('closed');
  }
}

export const ipcMain = {
  handle(channel, handler) {
    if (handlers.has(channel)) throw new Error(`fake: a second handler for ${channel}`);
    handlers.set(channel, handler);
  },
  removeHandler(channel) {
    handlers.delete(channel);
  },
};

// As Electron: MenuItem.click() flips a checkbox, then calls the template's click with the item.
export const Menu = {
  buildFromTemplate(template) {
    const items = template.map((spec) => {
      const item = { ...spec };
      item.click = () => {
        if (item.type === 'checkbox') item.checked = !item.checked;
        spec.click?.(item);
      };
      return item;
    });
    return { items, getMenuItemById: (id) => items.find((i) => i.id === id) ?? null };
  },
};

export class Tray extends EventEmitter {
  constructor(image) {
    super();
    this.image = image;
    this.menu = null;
    this.destroyed = false;
    tray = this;
    report({ fake: 'tray', empty: image.isEmpty() });
  }
  setContextMenu(menu) {
    this.menu = menu;
    const items = menu.items.map(({ id, type, label, checked }) => ({ id, type, label, checked }));
    report({ fake: 'trayMenu', items });
  }
  setToolTip(text) {
    report({ fake: 'tooltip', text });
  }
  setTitle() {}
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
  }
}

const image = (empty) => ({ isEmpty: () => empty, setTemplateImage() {} });
export const nativeImage = {
  createEmpty: () => image(true),
  createFromPath: (file) => image(!fs.existsSync(file)),
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(handler) {
      sessionHandlers.permissionRequest = handler;
    },
    setPermissionCheckHandler(handler) {
      sessionHandlers.permissionCheck = handler;
    },
    setDevicePermissionHandler(handler) {
      sessionHandlers.devicePermission = handler;
    },
    webRequest: {
      onHeadersReceived(handler) {
        sessionHandlers.headers = handler;
      },
    },
  },
};

// As Electron: privileges only before ready, handlers only after.
export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    report({ fake: 'registerSchemesAsPrivileged', schemes, beforeReady: !ready });
    if (ready) throw new Error('fake: registerSchemesAsPrivileged after the app is ready');
  },
  handle(scheme, handler) {
    if (!ready) throw new Error('fake: protocol.handle before the app is ready');
    if (protocolHandlers.has(scheme)) throw new Error(`fake: a second handler for ${scheme}:`);
    protocolHandlers.set(scheme, handler);
    report({ fake: 'protocolHandle', scheme });
  },
};

export class Notification extends EventEmitter {
  static isSupported() {
    return true;
  }
  constructor(options) {
    super();
    this.options = options;
  }
  show() {
    report({ fake: 'notification', ...this.options });
  }
}

/** The button index the next message boxes answer with (the `dialogAnswer` action sets it). */
let dialogResponse = 0;

export const dialog = {
  showErrorBox(title, content) {
    report({ fake: 'errorBox', title, content });
  },
  async showMessageBox(...args) {
    const options = args.length > 1 ? args[1] : args[0];
    report({ fake: 'messageBox', ...options });
    return { response: dialogResponse, checkboxChecked: false };
  },
};

export const shell = {
  async openExternal(url) {
    report({ fake: 'openExternal', url });
  },
};

// FAKE_SAFE_STORAGE: 'keychain' (a real backend), 'basic' (Linux's basic_text), else none, as
// on a headless machine. As Electron: only after ready. The sealing is a reversible stand-in.
const SEALED_PREFIX = 'fake-keychain:';
export const safeStorage = {
  isEncryptionAvailable() {
    if (!ready) throw new Error('fake: safeStorage before the app is ready');
    return ['keychain', 'basic'].includes(process.env.FAKE_SAFE_STORAGE ?? '');
  },
  getSelectedStorageBackend() {
    const mode = process.env.FAKE_SAFE_STORAGE;
    return mode === 'keychain' ? 'gnome_libsecret' : mode === 'basic' ? 'basic_text' : 'unknown';
  },
  encryptString(plain) {
    report({ fake: 'encryptString' });
    return Buffer.from(SEALED_PREFIX + Buffer.from(plain).reverse().toString('hex'));
  },
  decryptString(sealed) {
    const text = sealed.toString();
    if (!text.startsWith(SEALED_PREFIX)) throw new Error('fake: not sealed by this keychain');
    return Buffer.from(text.slice(SEALED_PREFIX.length), 'hex').reverse().toString();
  },
};

export default {
  app,
  safeStorage,
  BrowserWindow,
  ipcMain,
  Menu,
  Tray,
  nativeImage,
  protocol,
  session,
  Notification,
  dialog,
  shell,
};

// ---- the user and the window, driven from stdin

const theWindow = () => [...windows][0];

const actions = {
  async call({ message, url, sender, subframe }) {
    const handler = handlers.get('nance:call');
    if (!handler) return { error: 'no handler' };
    const win = theWindow();
    const top = win.webContents.mainFrame;
    const frame = { url: url ?? top.url, parent: subframe ? top : null };
    const event = { sender: sender === 'other' ? new WebContents() : win.webContents, senderFrame: frame };
    return { reply: await handler(event, message) };
  },
  ipcChannels() {
    return { channels: [...handlers.keys()] };
  },
  trayClick({ item: itemId }) {
    const item = tray.menu.items.find((i) => i.id === itemId);
    if (!item) throw new Error(`fake: no tray item ${itemId}`);
    item.click();
    return {};
  },
  closeWindow() {
    const win = theWindow();
    win.close();
    return { destroyed: win.isDestroyed(), visible: win.isVisible() };
  },
  blur() {
    theWindow().focused = false;
    return {};
  },
  secondInstance() {
    app.emit('second-instance', preventable(), [], '');
    const win = theWindow();
    return { visible: win.isVisible(), focused: win.isFocused() };
  },
  permission({ permission }) {
    return new Promise((resolve) =>
      sessionHandlers.permissionRequest(theWindow().webContents, permission, (granted) =>
        resolve({ granted }),
      ),
    );
  },
  permissionCheck() {
    return { granted: sessionHandlers.permissionCheck() };
  },
  /** A request of the window to a custom scheme, answered by main's protocol.handle handler. */
  async fetch({ url, method = 'GET' }) {
    const handler = protocolHandlers.get(new URL(url).protocol.slice(0, -1));
    if (!handler) return { error: `no handler for ${url}` };
    const res = await handler(new Request(url, { method }));
    const headers = Object.fromEntries(res.headers);
    return { status: res.status, headers, body: await res.text() };
  },
  headers({ responseHeaders }) {
    return new Promise((resolve) => sessionHandlers.headers({ responseHeaders }, resolve));
  },
  open({ url }) {
    return theWindow().webContents.openHandler({ url });
  },
  dialogAnswer({ response }) {
    dialogResponse = response;
    return {};
  },
  /** The page set its title (document.title), as Electron reports it to the window. */
  title({ title }) {
    theWindow().emit('page-title-updated', preventable(), title);
    return {};
  },
  navigate({ url }) {
    const event = preventable({ url });
    theWindow().webContents.emit('will-navigate', event);
    return { prevented: event.defaultPrevented };
  },
  webview() {
    const event = preventable();
    theWindow().webContents.emit('will-attach-webview', event);
    return { prevented: event.defaultPrevented };
  },
  quit() {
    app.quit();
    return {};
  },
};

createInterface({ input: process.stdin }).on('line', (line) => {
  const { do: what, id, ...args } = JSON.parse(line);
  if (what === undefined) return; // not ours: main's smoke hook (src-main/host/shell/smoke-hook.ts)
  Promise.resolve(actions[what](args)).then(
    (result) => report({ fake: 'done', id, ...result }),
    (err) => report({ fake: 'done', id, error: String(err) }),
  );
});
