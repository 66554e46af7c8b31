// main.ts cannot run here (no Electron binary), so these read its source for the few lines every
// security property rests on. The decisions themselves are tested in ../shell/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const main = fs.readFileSync(path.join(here, 'main.ts'), 'utf8');
const count = (pattern: RegExp) => [...main.matchAll(pattern)].length;

describe('electron main wiring', () => {
  it('one IPC entry point, guarded by the sender check and the contract', () => {
    expect(count(/ipcMain\.handle\(/g)).toBe(1);
    expect(main).toContain('ipcMain.handle(CALL_CHANNEL,');
    expect(count(/ipcMain\.(on|once|handleOnce)\(/g)).toBe(0);
    expect(main).toContain('isTrustedSender(frame.url)');
    expect(main).toContain('validateIpcMessage(message)');
    expect(main).toContain('service.dispatch(check.command, check.args)');
  });

  it('the window: the plain preferences, loaded from app://nance, never from file://', () => {
    expect(main).toContain('webPreferences: windowWebPreferences(preloadPath)');
    expect(main).toContain("path.join(here, 'preload.cjs')");
    expect(main).toContain('const indexUrl = APP_INDEX_URL;');
    expect(count(/\.loadURL\(/g)).toBe(1);
    expect(main).toContain('.loadURL(indexUrl)');
    expect(main).not.toMatch(/loadFile\(|pathToFileURL|file:\/\//);
  });

  it('the app: scheme: privileged before ready, served from build/renderer by the plain handler', () => {
    expect(main).toContain(
      'protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);',
    );
    // At the top level, before whenReady.
    expect(main.indexOf('protocol.registerSchemesAsPrivileged(')).toBeLessThan(main.indexOf('.whenReady()'));
    expect(count(/protocol\.handle\(/g)).toBe(1);
    expect(main).toContain(
      'protocol.handle(APP_SCHEME, (request) => serveAppRequest(request, rendererDir));',
    );
    expect(main).not.toMatch(
      /protocol\.(registerFileProtocol|registerStringProtocol|interceptFileProtocol)\(/,
    );
    // Handled before the window exists.
    expect(main.indexOf('protocol.handle(')).toBeLessThan(main.indexOf('createWindow();'));
  });

  it('no new windows, no navigation, no webviews, no permissions, our CSP', () => {
    expect(main).toMatch(/setWindowOpenHandler\([\s\S]*?action: 'deny'/);
    expect(main).toMatch(/'will-navigate',[\s\S]*?event\.preventDefault\(\)/);
    expect(main).toMatch(/'will-attach-webview', \(event\) => event\.preventDefault\(\)/);
    expect(main).toMatch(/setPermissionRequestHandler\([\s\S]*?callback\(false\)/);
    expect(main).toContain('setPermissionCheckHandler(() => false)');
    expect(main).toContain('withCsp(details.responseHeaders)');
    expect(main).toContain('app.enableSandbox()');
  });

  it('one instance per data dir; quitting closes the peer', () => {
    expect(main).toContain('requestSingleInstanceLock()');
    expect(main).toContain("app.on('second-instance'");
    expect(main).toMatch(/app\.setPath\('userData'[\s\S]*requestSingleInstanceLock/);
    expect(main).toContain('await peer?.close()');
  });

  it('sends events on the event channel only', () => {
    expect(count(/webContents\.send\(/g)).toBe(1);
    expect(main).toContain('webContents.send(EVENT_CHANNEL, message)');
  });
});
