// The storage banner, rendered to markup: it shows while the peer cannot write to its store (a full
// disk), saying so in words a person understands, in both languages, and goes when writes work.
import { afterEach, describe, expect, it } from 'vitest';
import type { StorageDto, UpdateDto } from '../../src-shared/api';
import type { Lang } from '../i18n';
import { disposeRendered, renderWith } from '../testing/render';
import { StorageBanner, UpdateBanner } from './Banners';

afterEach(disposeRendered);

function render(lang: Lang, storage: StorageDto): string {
  return renderWith(<StorageBanner />, (api) => ({ status: { ...api.status, storage } }), lang);
}

describe('StorageBanner', () => {
  it('shows nothing while the store takes writes', () => {
    expect(render('en', { ok: true, problem: null })).toBe('');
  });

  it('says the disk is full and that chats stay readable, in English and Japanese', () => {
    const en = render('en', { ok: false, problem: 'disk-full' });
    expect(en).toContain('data-testid="storage-banner"');
    expect(en).toContain(
      'Nance cannot write to its storage: the disk is full. Chats keep working read-only; free some space.',
    );
    const ja = render('ja', { ok: false, problem: 'disk-full' });
    expect(ja).toContain('ディスクがいっぱい');
    expect(ja).not.toContain('disk is full');
  });

  it('has words for every problem the peer reports', () => {
    for (const problem of ['read-only', 'io-error'] as const) {
      for (const lang of ['en', 'ja'] as const) {
        const html = render(lang, { ok: false, problem });
        expect(html).toContain(`data-problem="${problem}"`);
        expect(html).not.toContain(`storage.${problem}`); // a missing string shows its key
      }
    }
  });
});

function renderUpdate(lang: Lang, update: UpdateDto | null): string {
  return renderWith(<UpdateBanner />, (api) => ({ status: { ...api.status, update } }), lang);
}

describe('UpdateBanner', () => {
  const url = 'https://github.com/o/r/releases/tag/v0.2.0';

  it('shows nothing without an update (and never in the web host, whose status has none)', () => {
    expect(renderUpdate('en', null)).toBe('');
  });

  it('offers a restart once the update is downloaded, in English and Japanese', () => {
    const en = renderUpdate('en', { version: '0.2.0', action: 'restart', releaseUrl: url });
    expect(en).toContain('Nance 0.2.0 is ready.');
    expect(en).toContain('data-testid="update-restart"');
    expect(en).toContain('Restart to update');
    const ja = renderUpdate('ja', { version: '0.2.0', action: 'restart', releaseUrl: url });
    expect(ja).toContain('再起動して更新');
  });

  it('links to the release page where the app cannot update itself (deb, portable)', () => {
    const en = renderUpdate('en', { version: '0.2.0', action: 'download', releaseUrl: url });
    expect(en).toContain(`href="${url}"`);
    expect(en).toContain('target="_blank"');
    expect(en).toContain('Download the new version');
    expect(en).not.toContain('update-restart');
    expect(renderUpdate('ja', { version: '0.2.0', action: 'download', releaseUrl: url })).toContain(
      '新しいバージョンをダウンロード',
    );
  });
});
