// What every slice of the store is given: the contract, the store's own get/set, and the small
// helpers for the shared error banner and busy flags (one owner each: this file).
import type { StoreApi } from 'zustand/vanilla';
import type { CommandError, NanceApi } from '../../../src-shared/api';
import type { ActionName, Busy, NanceState } from '../state';

export interface SliceContext {
  api: NanceApi;
  set: StoreApi<NanceState>['setState'];
  get: () => NanceState;
  /** The clock the views count with (Date.now unless a test gives another). */
  clock: () => number;
  /** Shows `error` in the banner as the failure of `action`. */
  fail(action: ActionName, error: CommandError): void;
  /** Drops the banner when it is about one of these actions (the reader moved on from it). */
  clearErrorOf(...names: ActionName[]): void;
  setBusy(patch: Partial<Busy>): void;
}

export function sliceContext(
  api: NanceApi,
  store: Pick<StoreApi<NanceState>, 'getState' | 'setState'>,
  clock: () => number,
): SliceContext {
  const set = store.setState;
  const get = store.getState;
  return {
    api,
    set,
    get,
    clock,
    fail: (action, error) => set({ error: { action, error } }),
    clearErrorOf: (...names) => {
      const current = get().error;
      if (current && names.includes(current.action)) set({ error: null });
    },
    setBusy: (patch) => set((s) => ({ busy: { ...s.busy, ...patch } })),
  };
}

/** Runs `fn` once at a time; calls during a run make exactly one more run after it. */
export function coalesce(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await fn();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  };
}
