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
    expect(main).toContain('isTrustedSender(frame.url, indexUrl)');
    expect(main).toContain('validateIpcMessage(message)');
    expect(main).toContain('service.dispatch(check.command, check.args)');
  });

  it('the window: the plain preferences, loaded from a file', () => {
    expect(main).toContain('webPreferences: windowWebPreferences(preloadPath)');
    expect(main).toContain("path.join(here, 'preload.cjs')");
    expect(main).toContain('.loadFile(indexPath)');
    expect(main).not.toMatch(/loadURL\(/);
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
