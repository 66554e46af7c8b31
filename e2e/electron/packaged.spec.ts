// The smoke suite of the packaged app (.github/workflows/ci.yml runs it on every OS after
// `dist:*`, with NANCE_PACKAGED_APP naming electron-builder's unpacked folder). The app is the
// real packaged binary, fuses and all: Playwright attaches to its window over Chromium's DevTools
// port (its Electron launcher needs the Node inspector, which the fuses refuse) and drives the
// tray through the smoke hook. Without NANCE_PACKAGED_APP the file reports one skip saying so.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, expect, type Page, test } from '@playwright/test';
import { CONTENT_SECURITY_POLICY } from '../../src-main/host/shell/window-options.js';
import {
  createsAndReadsBackChat,
  opensAtOnboarding,
  policyRefusingLoopbackSocket,
} from '../support/smoke-steps.js';
import {
  EXPECTED_FUSES,
  eventually,
  findPackagedApp,
  type LaunchedApp,
  launchPackaged,
  PACKAGED_APP_ENV,
  readFuses,
  udpPortFree,
} from './packaged.js';

const packaged = findPackagedApp();
const SKIP_REASON = `no packaged app (${PACKAGED_APP_ENV} unset; the CI workflow sets it after dist:*); packaged smoke suite skipped`;

if (!packaged) {
  test(SKIP_REASON, () => {
    test.skip(true, SKIP_REASON);
  });
} else {
  test.describe('the packaged app', () => {
    test.describe.configure({ mode: 'serial' });
    let dataDir: string;
    let app: LaunchedApp;
    let browser: Browser;
    let page: Page;

    test.beforeAll(async () => {
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'nance-smoke-'));
      app = await launchPackaged(packaged.executable, dataDir);
      browser = await chromium.connectOverCDP(app.devtools);
      await expect
        .poll(() => browser.contexts()[0]?.pages().length ?? 0, { timeout: 20_000 })
        .toBeGreaterThan(0);
      page = browser.contexts()[0]?.pages()[0] as Page;
    });

    test.afterAll(async () => {
      await browser?.close().catch(() => {});
      if (app && app.child.exitCode === null) app.child.kill();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    test('its fuses read as scripts/fuses.cjs sets them', async () => {
      expect(await readFuses(packaged.fuseTarget)).toEqual(EXPECTED_FUSES);
    });

    test('the window opens at onboarding, from app://nance', async () => {
      expect(page.url()).toBe('app://nance/index.html');
      await opensAtOnboarding(page);
    });

    test('the CSP in force is the header one', async () => {
      expect(await policyRefusingLoopbackSocket(page)).toBe(CONTENT_SECURITY_POLICY);
    });

    test('a chat is created and read back', async () => {
      await createsAndReadsBackChat(page, 'Smoke test', `Hello from the packaged app (${Date.now()})`);
    });

    test('the tray exists and its bootstrap toggle switches modes', async () => {
      const items = await app.hook.trayItems();
      expect(items?.map((i) => i.id).filter(Boolean)).toEqual(['toggle-window', 'bootstrap-mode', 'quit']);
      const mode = page.getByTestId('mode-indicator');
      await expect(mode).toHaveAttribute('data-mode', 'peer');
      expect(await app.hook.trayClick('bootstrap-mode')).toBe(true);
      await expect(mode).toHaveAttribute('data-mode', 'bootstrap');
      expect(await app.hook.trayClick('bootstrap-mode')).toBe(true);
      await expect(mode).toHaveAttribute('data-mode', 'peer');
    });

    test('closing the window keeps the app in the tray; Quit ends it and frees its UDP port', async () => {
      const port = await page.evaluate(async () => {
        const api = (window as unknown as { nance: { call: (c: string, a: object) => Promise<unknown> } })
          .nance;
        const reply = (await api.call('getStatus', {})) as { result: { udp: { port: number } } };
        return reply.result.udp.port;
      });
      expect(await udpPortFree(port)).toBe(false);
      expect(await app.hook.closeWindow()).toEqual(expect.objectContaining({ visible: false }));
      expect(app.child.exitCode).toBeNull();
      expect(await app.hook.trayItems()).not.toBeNull();
      expect(await app.hook.trayClick('quit')).toBe(true);
      expect(await app.exited).toBe(0);
      expect(await eventually(() => udpPortFree(port), 5_000)).toBe(true);
    });
  });
}
