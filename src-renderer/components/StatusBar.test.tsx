// The status bar, rendered to markup (no DOM needed): the router's mapping of our port shows only
// when the running peer has one, in both languages.
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import type { StatusDto } from '../../src-shared/api';
import type { Lang } from '../i18n';
import { LANG_KEY } from '../store/prefs';
import { StoreContext } from '../store/react';
import { createNanceStore, type NanceStore } from '../store/store';
import { FakeNanceApi } from '../testing/fake-api';
import { StatusBar } from './StatusBar';

const stores: NanceStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.getState().actions.dispose();
});

function render(lang: Lang, over: Partial<StatusDto> = {}): string {
  const api = new FakeNanceApi();
  const base = createNanceStore(api, {
    prefs: { getItem: (k) => (k === LANG_KEY ? lang : null), setItem: () => {} },
    tickMs: 0,
    listRefreshMs: 0,
  });
  stores.push(base);
  const store = createStore(() => ({ ...base.getState(), status: { ...api.status, ...over } }));
  return renderToStaticMarkup(
    <StoreContext.Provider value={store}>
      <StatusBar />
    </StoreContext.Provider>,
  );
}

const mapped = { method: 'nat-pmp', external: { host: '198.51.100.25', port: 40000 } } as const;

describe('StatusBar: port mapping', () => {
  it('shows nothing about it when no mapping was made', () => {
    expect(render('en')).not.toContain('data-testid="status-port-mapping"');
  });

  it('shows the mapped endpoint and the method', () => {
    expect(render('en', { portMapping: mapped })).toContain('Port mapped: 198.51.100.25:40000 (NAT-PMP)');
    expect(render('en', { portMapping: { ...mapped, method: 'upnp' } })).toContain(
      'Port mapped: 198.51.100.25:40000 (UPnP)',
    );
    expect(render('ja', { portMapping: mapped })).toContain('ポート転送中: 198.51.100.25:40000（NAT-PMP）');
  });
});
