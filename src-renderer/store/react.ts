// React access to the store: a context carrying the store, a selector hook, and the translator.
import { createContext, useCallback, useContext } from 'react';
import { useStore } from 'zustand';
import { type MessageKey, type Params, translate } from '../i18n';
import type { Actions, NanceState, NanceStore } from './store';

export const StoreContext = createContext<NanceStore | null>(null);

export function useNanceStore(): NanceStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useNance outside <StoreContext.Provider>');
  return store;
}

export function useNance<T>(selector: (state: NanceState) => T): T {
  return useStore(useNanceStore(), selector);
}

export function useActions(): Actions {
  return useNance((s) => s.actions);
}

export type Translate = (key: MessageKey, params?: Params) => string;

/** The translator for the current language. */
export function useT(): Translate {
  const lang = useNance((s) => s.lang);
  return useCallback((key: MessageKey, params?: Params) => translate(lang, key, params), [lang]);
}
