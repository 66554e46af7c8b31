// The desktop app's main process: wiring only. The peer is composed as the CLI composes it
// (../compose.ts); every decision (window settings, CSP, IPC checks, tray menu, mode switch,
// notifications, data dir and port) is a plain function in ../shell/, tested without Electron.
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  type MenuItem,
  Notification,
  nativeImage,
  protocol,
  safeStorage,
  session,
  shell,
  Tray,
  type WebContents,
} from 'electron';
import type { CommandName, CommandReply, UpdateDto } from '../../../src-shared/api.js';
import { type ChatRef, chatKey } from '../../../src-shared/chat-key.js';
import { unreadInTitle } from '../../../src-shared/unread-title.js';
import type { Logger } from '../../core/logger.js';
import { subscribeEvents } from '../../service/command-channel.js';
import { createFileLogger, type FileLogger } from '../cli/logger.js';
import type { ComposedPeer } from '../compose.js';
import { preparePrivateDir } from '../private-dir.js';
import { APP_INDEX_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, serveAppRequest } from '../shell/app-protocol.js';
import { parseDesktopArgs } from '../shell/desktop-config.js';
import { composeDesktopPeer } from '../shell/desktop-peer.js';
import { confirmLinkDialog, OPEN_BUTTON, openExternalLink } from '../shell/external-links.js';
import {
  CALL_CHANNEL,
  EVENT_CHANNEL,
  isTrustedSender,
  untrustedSenderError,
  validateIpcMessage,
} from '../shell/ipc-guard.js';
import { keychainSecretBox } from '../shell/keychain-box.js';
import { switchBootstrapMode } from '../shell/mode-switch.js';
import { ChatActivity, NotifyThrottle, notificationText, shouldNotify } from '../shell/notification-rules.js';
import { parseSmokeRequest, type SmokeRequest, smokeHookEnabled, smokeReply } from '../shell/smoke-hook.js';
import {
  type Lang,
  type MenuItemSpec,
  pickLang,
  type TrayItemId,
  trayIconFile,
  trayMenuTemplate,
  trayTooltip,
} from '../shell/tray-menu.js';
import {
  offerFor,
  publishedRepo,
  releasePage,
  UpdateChecks,
  type UpdatePath,
  updatePath,
  updaterOptions,
} from '../shell/updates.js';
import {
  onWindowClose,
  raiseWindowSteps,
  WINDOW_OPTIONS,
  windowWebPreferences,
  withCsp,
} from '../shell/window-options.js';

/** A shutdown that takes longer than this (a hung close) is cut short, as in the CLI. */
const STOP_DEADLINE_MS = 3000;
/** From electron-builder.yml; Windows shows notifications only for an app with an id. */
const APP_USER_MODEL_ID = 'chat.nance.desktop';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The package folder (or the asar): this file is build/src-main/host/electron/main.js in it. */
const appRoot = path.resolve(here, '..', '..', '..', '..');
const preloadPath = path.join(here, 'preload.cjs');
/** The built window, served as app://nance/… (../shell/app-protocol.ts), not loaded as a file: URL. */
const rendererDir = path.join(appRoot, 'build', 'renderer');
const indexUrl = APP_INDEX_URL;

let log: Logger = { debug() {}, info() {}, warn() {}, error() {} };
let fileLogger: FileLogger | undefined;
let composing: Promise<ComposedPeer> | undefined;
let composed: ComposedPeer | undefined;
let win: BrowserWindow | null = null;
let tray: Tray | null = null;
/** The tray's current menu and tooltip (the smoke hook reads them; Electron has no getter). */
let trayMenu: Menu | null = null;
let trayTooltipText = '';
/** Auto-update (../shell/updates.ts): the offer shown, the daily check, electron-updater once loaded. */
let updateOffer: UpdateDto | null = null;
let updater: Promise<import('electron-updater').AppUpdater> | undefined;
let loadedUpdater: import('electron-updater').AppUpdater | undefined;
const updateChecks = new UpdateChecks(() => void checkForUpdates());
const updateListeners: (() => void)[] = [];
let lang: Lang = 'en';
let quitting = false;
let shutdown: 'running' | 'stopping' | 'done' = 'running';
let unsubscribeEvents = () => {};
const activity = new ChatActivity();
const throttle = new NotifyThrottle();
/** Shown notifications, kept referenced until closed (a collected one loses its click handler). */
const notifications = new Set<Notification>();

// --data-dir moves Electron's userData (and with it the single-instance lock): one app per data dir.
const args = parseDesktopArgs(process.argv);
if (args.dataDir !== undefined) app.setPath('userData', path.resolve(args.dataDir));
app.enableSandbox();
// The window's origin, app://nance; privileges can only be given before the app is ready.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);

if (!app.requestSingleInstanceLock()) {
  // Another Nance runs on this data dir; it raises its window (second-instance) and we leave.
  app.quit();
} else {
  app.on('second-instance', () => raiseWindow());
  app.on('activate', () => raiseWindow()); // macOS: a click on the dock icon
  app.on('before-quit', () => {
    quitting = true;
  });
  // The tray keeps the app running with no window; quitting goes through before-quit/will-quit.
  app.on('window-all-closed', () => {});
  app.on('will-quit', (event) => {
    if (shutdown === 'done') return;
    event.preventDefault();
    if (shutdown === 'running') void stop();
  });
  app.on('web-contents-created', (_event, contents) => harden(contents));
  process.on('SIGINT', () => quit());
  process.on('SIGTERM', () => quit());
  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => fatal(err));
}

async function start(): Promise<void> {
  const dataDir = app.getPath('userData');
  preparePrivateDir(dataDir);
  fileLogger = await createFileLogger(dataDir, 'info');
  log = fileLogger.logger;
  lang = pickLang([...app.getPreferredSystemLanguages(), app.getLocale()]);
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  secureSession();
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(request, rendererDir));

  const secretBox = keychainSecretBox(safeStorage);
  log.info({ sealedByKeychain: secretBox !== undefined }, 'desktop: identity key storage');
  composing = composeDesktopPeer(dataDir, log, {
    portMapping: app.isPackaged && 'saved',
    lanDiscovery: app.isPackaged && 'saved',
    secretBox,
  }); // tests: off
  composed = await composing;
  if (shutdown !== 'running') return; // quit while starting: stop() closes the peer
  const { service } = composed;

  ipcMain.handle(CALL_CHANNEL, (event, message: unknown) => onCall(event, message));
  unsubscribeEvents = subscribeEvents(service, (message) => {
    if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, message);
  });
  service.events.on('message', (ref) => {
    // Pushed messages of remote chats are counted by the window's next read (notification-rules).
    if (ref.pushed) return;
    // The user's own post to a chat we host raises this event while their call is still running.
    if (!activity.isOwnPostInFlight(ref)) notify(ref);
  });
  service.events.on('modeChanged', () => refreshTray());
  service.attachUpdates({
    offer: () => updateOffer,
    restart: () => restartToUpdate(),
    onChange: (listener) => updateListeners.push(listener),
  });
  // The setting can change at any time (updateSettings emits statusChanged).
  service.events.on('statusChanged', applyUpdateSetting);
  applyUpdateSetting();

  createTray();
  createWindow();
  if (smokeHookEnabled(process.env)) startSmokeHook();
  const status = service.status();
  log.info({ udp: status.udp, mode: status.mode, dataDir, rendererDir }, 'desktop: ready');
}

/** Binds the port used last time (peers that know us find us there), or any free one if it is taken. */
// ---------------------------------------------------------------- security

/**
 * The page gets no permissions. Our CSP is set by the app:// handler on every file of the window;
 * this puts it also on any response that passes the network stack (there should be none).
 */
function secureSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, permission, callback) => {
    log.warn({ permission }, 'desktop: permission request denied');
    callback(false);
  });
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCsp(details.responseHeaders) });
  });
}

/**
 * Every web contents: no navigation (the window loads app://nance/index.html by loadURL, which is
 * not a navigation the page starts; in-page fragment changes are not navigations either), no new
 * windows, no webviews.
 */
function harden(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    // A clicked link: never an Electron window; maybe the system's browser (../shell/external-links.ts).
    void openExternalLink(url, {
      confirm: async (target) => {
        const options = confirmLinkDialog(target, lang);
        const answer =
          win && !win.isDestroyed() ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options);
        return (await answer).response === OPEN_BUTTON;
      },
      openExternal: (target) => shell.openExternal(target),
    }).then(
      (outcome) => log.info({ url, outcome }, 'desktop: link from the window'),
      (err: unknown) => log.warn({ url, err: String(err) }, 'desktop: link not opened'),
    );
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    log.warn({ url: event.url }, 'desktop: navigation blocked');
    event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

// ---------------------------------------------------------------- IPC

async function onCall(event: Electron.IpcMainInvokeEvent, message: unknown): Promise<unknown> {
  const frame = event.senderFrame;
  const trusted =
    win !== null &&
    !win.isDestroyed() &&
    event.sender === win.webContents &&
    frame !== null &&
    frame.parent === null &&
    isTrustedSender(frame.url);
  if (!trusted) {
    log.warn({ url: frame?.url ?? null }, 'desktop: call from an untrusted sender refused');
    return { ok: false, error: untrustedSenderError };
  }
  const check = validateIpcMessage(message);
  if (!check.ok) return { ok: false, error: check.error };
  const service = composed?.service;
  if (!service) return { ok: false, error: { kind: 'closed', message: 'the peer is not running' } };
  activity.commandStarted(check.command, check.args);
  let reply: CommandReply<CommandName>;
  try {
    reply = await service.dispatch(check.command, check.args);
  } catch (err) {
    // dispatch never throws; this guards a service that breaks that promise.
    reply = { ok: false, error: { kind: 'exception', message: String(err) } };
  }
  for (const ref of activity.commandFinished(check.command, check.args, reply)) notify(ref);
  return reply;
}

// ---------------------------------------------------------------- notifications

function notify(ref: ChatRef): void {
  if (!Notification.isSupported()) return;
  const windowFocused = win !== null && !win.isDestroyed() && win.isVisible() && win.isFocused();
  const input = { event: ref, openChat: activity.openChat, postedIn: activity.postedIn, windowFocused };
  if (!shouldNotify(input) || !throttle.allow(chatKey(ref), Date.now())) return;
  const notification = new Notification(notificationText({ lang, chatName: activity.chatName(ref) }));
  notifications.add(notification);
  const forget = () => notifications.delete(notification);
  notification.on('click', () => {
    forget();
    raiseWindow();
  });
  notification.on('close', forget);
  notification.on('failed', forget);
  notification.show();
}

// ---------------------------------------------------------------- window

function createWindow(): BrowserWindow {
  const created = new BrowserWindow({ ...WINDOW_OPTIONS, webPreferences: windowWebPreferences(preloadPath) });
  win = created;
  created.once('ready-to-show', () => created.show());
  created.on('close', (event) => {
    if (onWindowClose({ quitting }) === 'hide') {
      event.preventDefault();
      created.hide();
    }
  });
  created.on('closed', () => {
    if (win === created) win = null;
    refreshTray();
  });
  // The window's title leads with its unread total (src-shared/unread-title.ts): the app's badge.
  created.on('page-title-updated', (_event, title) => app.setBadgeCount(unreadInTitle(title)));
  created.on('show', () => refreshTray());
  created.on('hide', () => refreshTray());
  created.webContents.on('render-process-gone', (_event, details) => {
    log.error({ reason: details.reason }, 'desktop: the window crashed');
  });
  created.loadURL(indexUrl).catch((err: unknown) => {
    log.error(
      { indexUrl, rendererDir, err: String(err) },
      'desktop: cannot load the window (run npm run build)',
    );
  });
  return created;
}

/** Brings the window to the front, creating it if it was closed. */
function raiseWindow(): void {
  if (!composed || shutdown !== 'running') return; // still starting: the window shows when ready
  const current = win && !win.isDestroyed() ? win : null;
  const steps = raiseWindowSteps({
    exists: current !== null,
    minimized: current?.isMinimized() ?? false,
    visible: current?.isVisible() ?? false,
  });
  let target = current;
  for (const step of steps) {
    if (step === 'create') target = createWindow();
    else if (step === 'restore') target?.restore();
    else if (step === 'show') target?.show();
    else target?.focus();
  }
}

function toggleWindow(): void {
  if (win && !win.isDestroyed() && win.isVisible()) win.hide();
  else raiseWindow();
}

// ---------------------------------------------------------------- tray

function createTray(): void {
  const file = path.join(appRoot, 'assets', 'tray', trayIconFile(process.platform));
  let image = nativeImage.createEmpty();
  if (fs.existsSync(file)) image = nativeImage.createFromPath(file);
  if (image.isEmpty()) {
    log.warn({ file }, 'desktop: tray icon missing or unreadable; using an empty image');
  } else if (process.platform === 'darwin') {
    image.setTemplateImage(true);
  }
  tray = new Tray(image);
  // An empty image is invisible in the macOS menu bar: show the name instead.
  if (image.isEmpty() && process.platform === 'darwin') tray.setTitle('Nance');
  // Windows and Linux: a click toggles the window (macOS opens the menu on click).
  tray.on('click', () => {
    if (process.platform !== 'darwin') toggleWindow();
  });
  refreshTray();
}

function refreshTray(): void {
  if (!tray || tray.isDestroyed() || !composed) return;
  const state = {
    windowVisible: win !== null && !win.isDestroyed() && win.isVisible(),
    mode: composed.service.status().mode,
    lang,
    updateReady: updateOffer?.action === 'restart' ? updateOffer.version : null,
  };
  const handlers: Record<TrayItemId, (item: MenuItem) => void> = {
    'toggle-window': () => toggleWindow(),
    'bootstrap-mode': (item) => {
      if (!composed) return;
      const result = switchBootstrapMode(composed.service, item.checked);
      if (!result.ok) log.warn({ err: result.error }, 'desktop: mode switch failed');
      refreshTray(); // also when nothing changed: puts the checkbox back
    },
    'restart-to-update': () => restartToUpdate(),
    quit: () => quit(),
  };
  const toItem = (spec: MenuItemSpec): Electron.MenuItemConstructorOptions =>
    spec.type === 'separator'
      ? { type: 'separator' }
      : {
          id: spec.id,
          type: spec.type,
          label: spec.label,
          checked: spec.checked,
          click: spec.id ? (item) => handlers[spec.id as TrayItemId](item) : undefined,
        };
  trayMenu = Menu.buildFromTemplate(trayMenuTemplate(state).map(toItem));
  trayTooltipText = trayTooltip(state);
  tray.setContextMenu(trayMenu);
  tray.setToolTip(trayTooltipText);
}

// ---------------------------------------------------------------- auto-update (../shell/updates.ts)

/** Starts or stops the checks as the setting and the install allow; electron-updater loads only when used. */
function applyUpdateSetting(): void {
  if (!composed || shutdown !== 'running') return;
  const path = updatePath({
    isPackaged: app.isPackaged,
    platform: process.platform,
    appImage: process.env.APPIMAGE,
    portableExecutable: process.env.PORTABLE_EXECUTABLE_FILE,
    enabled: composed.service.settings().autoUpdate,
  });
  if (path !== 'none') updater ??= loadUpdater(path);
  updateChecks.set(path !== 'none');
}

async function loadUpdater(
  route: Exclude<UpdatePath, 'none'>,
): Promise<import('electron-updater').AppUpdater> {
  const { autoUpdater } = (await import('electron-updater')).default;
  Object.assign(autoUpdater, updaterOptions(route));
  autoUpdater.logger = null;
  // owner/repo as the release workflow filled electron-builder.yml's publish section.
  const feedFile = path.join(process.resourcesPath, 'app-update.yml');
  const publish = publishedRepo(fs.existsSync(feedFile) ? fs.readFileSync(feedFile, 'utf8') : '');
  const offer = (event: 'available' | 'downloaded', version: string) => {
    const next = offerFor(event, route, version, app.getVersion(), releasePage(publish, version));
    if (!next) return;
    updateOffer = next;
    log.info({ update: next }, 'desktop: update offered');
    for (const listener of updateListeners) listener();
    refreshTray();
  };
  autoUpdater.on('update-available', (info) => offer('available', info.version));
  autoUpdater.on('update-downloaded', (info) => offer('downloaded', info.version));
  autoUpdater.on('error', (err) => log.warn({ err: String(err) }, 'desktop: update check failed'));
  loadedUpdater = autoUpdater;
  return autoUpdater;
}

async function checkForUpdates(): Promise<void> {
  try {
    await (await updater)?.checkForUpdates();
  } catch (err) {
    log.warn({ err: String(err) }, 'desktop: update check failed');
  }
}

/** Only on the person's request: quits (the peer closes as on Quit) and installs the download. */
function restartToUpdate(): boolean {
  if (updateOffer?.action !== 'restart' || !loadedUpdater) return false;
  quitting = true;
  loadedUpdater.quitAndInstall();
  return true;
}

// ---------------------------------------------------------------- smoke hook (../shell/smoke-hook.ts)

function startSmokeHook(): void {
  log.warn({}, 'desktop: smoke hook on (NANCE_SMOKE_HOOK=1): the tray is driven from stdin');
  createInterface({ input: process.stdin }).on('line', (line) => {
    const request = parseSmokeRequest(line);
    if (request) process.stdout.write(smokeReply(request.id, request.hook, answerSmoke(request)));
  });
}

function answerSmoke(request: SmokeRequest): Record<string, unknown> {
  const shown = () => {
    const exists = win !== null && !win.isDestroyed();
    return { exists, visible: exists && win?.isVisible() === true };
  };
  switch (request.hook) {
    case 'tray':
      if (!tray || tray.isDestroyed() || !trayMenu) return { tray: false };
      return {
        tray: true,
        items: trayMenu.items.map(({ id, type, label, checked }) => ({ id, type, label, checked })),
        tooltip: trayTooltipText,
      };
    case 'trayClick': {
      const item = trayMenu?.getMenuItemById(request.item);
      // MenuItem.click is what Electron runs on a real click (a checkbox flips first).
      item?.click();
      return { clicked: item != null };
    }
    case 'closeWindow':
      win?.close();
      return shown();
    case 'window':
      return shown();
  }
}

// ---------------------------------------------------------------- quitting

function quit(): void {
  quitting = true;
  app.quit();
}

/** Closes the peer (transport and store), the tray and the log, then exits; at most STOP_DEADLINE_MS. */
async function stop(): Promise<void> {
  shutdown = 'stopping';
  updateChecks.set(false);
  const deadline = setTimeout(() => app.exit(0), STOP_DEADLINE_MS);
  try {
    log.info({}, 'desktop: stopping');
    unsubscribeEvents();
    ipcMain.removeHandler(CALL_CHANNEL);
    const peer = await composing?.catch(() => undefined);
    await peer?.close();
    log.info({}, 'desktop: stopped');
  } catch (err) {
    log.error({ err: String(err) }, 'desktop: error while stopping');
  }
  if (tray && !tray.isDestroyed()) tray.destroy();
  await fileLogger?.close();
  clearTimeout(deadline);
  shutdown = 'done';
  app.exit(0);
}

function fatal(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  log.error({ err: message }, 'desktop: cannot start');
  const title = lang === 'ja' ? 'Nance を起動できません' : 'Nance cannot start';
  dialog.showErrorBox(title, message);
  shutdown = 'stopping';
  void (async () => {
    await composing?.then((peer) => peer.close()).catch(() => undefined);
    await fileLogger?.close();
    app.exit(1);
  })();
}
