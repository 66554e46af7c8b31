// Renders a component to markup (no DOM needed) over a real store whose state is patched by the
// test, in a chosen language. The stores made are disposed by `disposeRendered` (call it afterEach).
import type { ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { createStore } from 'zustand/vanilla';
import type { Lang } from '../i18n';
import { LANG_KEY } from '../store/prefs';
import { StoreContext } from '../store/react';
import { createNanceStore, type NanceState, type NanceStore } from '../store/store';
import { FakeNanceApi } from './fake-api';

const made: NanceStore[] = [];

export function disposeRendered(): void {
  for (const s of made.splice(0)) s.getState().actions.dispose();
}

/** `patch` gets the fake API (its status is the fake's) and returns the state to lay over the store's. */
export function renderWith(
  node: ReactNode,
  patch: (api: FakeNanceApi) => Partial<NanceState>,
  lang: Lang = 'en',
): string {
  const api = new FakeNanceApi();
  const base = createNanceStore(api, {
    prefs: { getItem: (k) => (k === LANG_KEY ? lang : null), setItem: () => {} },
    tickMs: 0,
    listRefreshMs: 0,
  });
  made.push(base);
  const store = createStore<NanceState>()(() => ({ ...base.getState(), ...patch(api) }));
  return renderToStaticMarkup(<StoreContext.Provider value={store}>{node}</StoreContext.Provider>);
}
