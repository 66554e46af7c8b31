// The steps of the smoke suite that run in any window: the packaged Electron app
// (e2e/electron/packaged.spec.ts) and the web host (e2e/web/smoke.spec.ts) go through the same ones.
import { expect, type Page } from '@playwright/test';
import { chatItem, createChatInUi, messageWithText, onboard, waitLoaded } from './ui.js';

/** A first start opens at onboarding; the person skips it and lands on the chat list. */
export async function opensAtOnboarding(page: Page): Promise<void> {
  await waitLoaded(page);
  await expect(page.getByTestId('onboarding')).toBeVisible();
  await onboard(page, 'skip');
}

/** A chat made in the window is there, with its first message, after the window loads again. */
export async function createsAndReadsBackChat(page: Page, name: string, first: string): Promise<void> {
  await createChatInUi(page, name, first);
  await expect(messageWithText(page, first)).toBeVisible();
  await page.reload();
  await waitLoaded(page);
  await chatItem(page, name).click();
  await expect(messageWithText(page, first)).toBeVisible();
}

/**
 * The policy that refuses a WebSocket to 127.0.0.1:9: the page's own <meta> allows
 * ws://127.0.0.1:* (any port), so only the header can refuse it. Resolves with the violated
 * policy's text, or 'not blocked'. Nothing is sent: the socket is refused before it connects.
 */
export function policyRefusingLoopbackSocket(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.originalPolicy), {
          once: true,
        });
        try {
          new WebSocket('ws://127.0.0.1:9/');
        } catch {
          resolve('thrown before any policy event');
        }
        setTimeout(() => resolve('not blocked'), 3_000);
      }),
  );
}
