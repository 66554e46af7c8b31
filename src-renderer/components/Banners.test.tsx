// The storage banner, rendered to markup: it shows while the peer cannot write to its store (a full
// disk), saying so in words a person understands, in both languages, and goes when writes work.
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import type { StorageDto } from '../../src-shared/api';
import type { Lang } from '../i18n';
import { LANG_KEY } from '../store/prefs';
import { StoreContext } from '../store/react';
import { createNanceStore, type NanceStore } from '../store/store';
import { FakeNanceApi } from '../testing/fake-api';
import { StorageBanner } from './Banners';

const stores: NanceStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.getState().actions.dispose();
});

function render(lang: Lang, storage: StorageDto): string {
  const api = new FakeNanceApi();
  const base = createNanceStore(api, {
    prefs: { getItem: (k) => (k === LANG_KEY ? lang : null), setItem: () => {} },
    tickMs: 0,
    listRefreshMs: 0,
  });
  stores.push(base);
  const store = createStore(() => ({ ...base.getState(), status: { ...api.status, storage } }));
  return renderToStaticMarkup(
    <StoreContext.Provider value={store}>
      <StorageBanner />
    </StoreContext.Provider>,
  );
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
