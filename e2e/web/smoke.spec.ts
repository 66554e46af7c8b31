// The packaged app's smoke steps (e2e/electron/packaged.spec.ts) against the web host: the window
// opens at onboarding, a chat is created and read back, bootstrap mode switches (Settings: the web
// host has no tray), the CSP in force is the header one, and stopping the peer frees its UDP port.
// Fuses and the tray exist only in the packaged app.
import { expect, test } from '@playwright/test';
import { eventually, udpPortFree } from '../electron/packaged.js';
import { Cluster, type PeerProcess } from '../support/peers.js';
import {
  createsAndReadsBackChat,
  opensAtOnboarding,
  policyRefusingLoopbackSocket,
} from '../support/smoke-steps.js';
import { type PeerWindow, skippedWithoutChromium } from '../support/ui.js';

if (!skippedWithoutChromium('web smoke')) {
  test.describe('the smoke steps on the web host', () => {
    test.describe.configure({ mode: 'serial' });
    let cluster: Cluster;
    let A: PeerProcess;
    let win: PeerWindow['page'];

    test.beforeAll(async ({ browser }) => {
      cluster = await Cluster.start(['A']);
      A = cluster.get('A');
      const context = await browser.newContext();
      win = await context.newPage();
      await win.goto(A.webUrl);
    });

    test.afterAll(async () => {
      await cluster?.teardown();
    });

    test('the window opens at onboarding', async () => {
      await opensAtOnboarding(win);
    });

    test('the CSP in force is the header one', async () => {
      const res = await win.request.get(A.webUrl);
      const header = res.headers()['content-security-policy'];
      expect(header).toBeTruthy();
      expect(await policyRefusingLoopbackSocket(win)).toBe(header);
    });

    test('a chat is created and read back', async () => {
      await createsAndReadsBackChat(win, 'Smoke test', `Hello from the web host (${Date.now()})`);
    });

    test('bootstrap mode switches and back', async () => {
      const mode = win.getByTestId('mode-indicator');
      for (const next of ['bootstrap', 'peer']) {
        await win.getByTestId('nav-settings').click();
        await win.getByTestId('settings-mode-switch').click();
        await win.getByTestId('mode-confirm-yes').click();
        await expect(mode).toHaveAttribute('data-mode', next);
      }
    });

    test('stopping the peer frees its UDP port', async () => {
      const { port } = A.udp;
      expect(await udpPortFree(port)).toBe(false);
      await A.stop();
      expect(await eventually(() => udpPortFree(port), 5_000)).toBe(true);
    });
  });
}
