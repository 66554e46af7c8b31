// Issue 12's identity must-show, in real Chromium against the web host: Settings shows the name and
// fingerprint, exports a backup file (protected by a passphrase) and the recovery phrase; a second
// peer imports the file (checked first, replaced after confirming) and then shows the same
// fingerprint; a bad phrase says what is wrong; the peer keeps its fingerprint after a restart.
import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { Cluster } from '../support/peers.js';
import {
  onboard,
  openWindow,
  type PeerWindow,
  screenshotBoth,
  skippedWithoutChromium,
  strings,
  type WindowOptions,
} from '../support/ui.js';

const WINDOW: WindowOptions = { viewport: { width: 1280, height: 900 } };

async function openIdentity(page: Page): Promise<void> {
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('identity-fingerprint')).toBeVisible();
}

if (!skippedWithoutChromium('identity')) {
  test.describe('identity in Settings: export, import, restart', () => {
    // Starting three processes and two windows, and sealing with scrypt, on a shared busy machine.
    test.describe.configure({ mode: 'serial', timeout: 120_000 });

    let cluster: Cluster;
    let A: PeerWindow;
    let B: PeerWindow;
    let aFingerprint: string;
    let backupPath: string;

    test.beforeAll(async ({ browser }) => {
      cluster = await Cluster.start(['A', 'B']);
      [A, B] = await Promise.all([
        openWindow(browser, cluster.get('A'), WINDOW),
        openWindow(browser, cluster.get('B'), WINDOW),
      ]);
      await onboard(A.page, { name: 'Aiko', bootstrap: cluster.bootstrap.hostPort });
      await onboard(B.page, { name: 'Ben', bootstrap: cluster.bootstrap.hostPort });
    });

    test.afterAll(async () => {
      await A?.context.close();
      await B?.context.close();
      await cluster?.teardown();
    });

    test('Settings shows the name and fingerprint, exports a protected file and the phrase on request', async () => {
      const testInfo = test.info();
      const { page, peer } = A;
      await openIdentity(page);
      const me = await peer.ok('getIdentity', {});
      aFingerprint = me.fingerprint;
      await expect(page.getByTestId('identity-name')).toHaveText('Aiko');
      await expect(page.getByTestId('identity-fingerprint')).toHaveText(aFingerprint);
      await expect(page.getByTestId('identity-fingerprint')).toHaveAttribute('data-hue', String(me.hue));

      await page.getByTestId('identity-export-passphrase').fill('a long passphrase');
      const download = page.waitForEvent('download');
      await page.getByTestId('identity-export').click();
      const file = await download;
      expect(file.suggestedFilename()).toBe(`nance-identity-${aFingerprint}.json`);
      backupPath = testInfo.outputPath('backup.json');
      await file.saveAs(backupPath);
      const backup = JSON.parse(readFileSync(backupPath, 'utf8')) as Record<string, unknown>;
      expect(backup).toMatchObject({ format: 'nance-identity-backup', publicKey: me.publicKey });
      expect(backup.seed).toBeUndefined(); // sealed by the passphrase
      await expect(page.getByTestId('identity-exported')).toBeVisible();

      // The phrase only when asked, with its warning; hidden again on request.
      await expect(page.getByTestId('identity-phrase')).toHaveCount(0);
      await page.getByTestId('identity-show-phrase').click();
      await expect(page.getByTestId('identity-phrase-warning')).toBeVisible();
      await expect(page.getByTestId('identity-phrase').locator('li')).toHaveCount(24);
      await page.getByTestId('identity-show-phrase').click();
      await expect(page.getByTestId('identity-phrase')).toHaveCount(0);

      await screenshotBoth(page, 'settings-identity', testInfo, {
        ready: page.getByTestId('identity-section'),
      });
    });

    test('a bad phrase says which problem, and changes nothing', async () => {
      const { page, peer } = B;
      await openIdentity(page);
      const before = await peer.ok('getIdentity', {});
      const en = await strings('en');
      await page.getByTestId('identity-import-phrase').fill('legal winner thank year wave');
      await page.getByTestId('identity-import-check').click();
      await expect(page.getByTestId('identity-import-error')).toHaveText(
        en['identity.problem.word-count'].replace('{count}', '5'),
      );
      const words = 'legal winner thank year wave sausage worth useful '.repeat(3).trim().split(' ');
      words[6] = 'wurth';
      await page.getByTestId('identity-import-phrase').fill(words.join(' '));
      await page.getByTestId('identity-import-check').click();
      await expect(page.getByTestId('identity-import-error')).toHaveText(
        en['identity.problem.unknown-word'].replace('{position}', '7').replace('{word}', 'wurth'),
      );
      await page.getByTestId('identity-import-phrase').fill('');
      expect((await peer.ok('getIdentity', {})).publicKey).toBe(before.publicKey);
      await expect(page.getByTestId('identity-fingerprint')).toHaveText(before.fingerprint);
    });

    test("a second peer imports the file and then shows the first one's fingerprint", async () => {
      const { page, peer } = B;
      await openIdentity(page);
      const before = await peer.ok('getIdentity', {});
      await page.getByTestId('identity-import-file').setInputFiles(backupPath);
      // Without its passphrase the protected file says so.
      await page.getByTestId('identity-import-check').click();
      await expect(page.getByTestId('identity-import-error')).toHaveText(
        (await strings('en'))['identity.problem.passphrase-needed'],
      );
      await page.getByTestId('identity-import-passphrase').fill('a long passphrase');
      await page.getByTestId('identity-import-check').click();
      // Checked first: the confirmation names both keys, and nothing changed yet.
      const confirm = page.getByTestId('identity-import-confirm');
      await expect(confirm).toBeVisible();
      await expect(page.getByTestId('identity-import-next')).toHaveText(aFingerprint);
      await expect(confirm).toContainText(before.fingerprint);
      expect((await peer.ok('getIdentity', {})).fingerprint).toBe(before.fingerprint);

      await page.getByTestId('identity-import-replace').click();
      await expect(page.getByTestId('identity-imported')).toContainText(aFingerprint);
      await expect(page.getByTestId('identity-fingerprint')).toHaveText(aFingerprint);
      expect((await peer.ok('getIdentity', {})).fingerprint).toBe(aFingerprint);
    });

    test('the peer keeps its fingerprint after a restart on the same data dir', async ({ browser }) => {
      const dataDir = B.peer.dataDir;
      await B.context.close();
      await B.peer.stop();
      const again = await cluster.add('B-again', { dataDir });
      B = await openWindow(browser, again, WINDOW);
      await openIdentity(B.page);
      await expect(B.page.getByTestId('identity-fingerprint')).toHaveText(aFingerprint);
      await expect(B.page.getByTestId('identity-name')).toHaveText('Ben');
      await expect(B.page.getByTestId('status-identity')).toContainText(aFingerprint);
    });
  });
}
