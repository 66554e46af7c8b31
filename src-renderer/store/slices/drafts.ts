// Drafts: what was typed in each chat's composer and not sent, kept when switching chats, on
// Escape and across restarts (in the window's preferences storage, on this device only).
import { DRAFTS_KEY, type PrefsStorage, readJson, write } from '../prefs';
import type { Actions, NanceState } from '../state';
import type { SliceContext } from './context';

/** Drafts kept at most (the most recently edited win); a chat lives a day, so few are ever live. */
export const MAX_DRAFTS = 50;
/** Characters kept of one draft (the contract's limit of a message). */
export const MAX_DRAFT_LENGTH = 40_000;

function loadDrafts(storage: PrefsStorage | null): Record<string, string> {
  const saved = readJson(storage, DRAFTS_KEY);
  if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) return {};
  const drafts: Record<string, string> = {};
  for (const [key, text] of Object.entries(saved).slice(-MAX_DRAFTS)) {
    if (typeof text === 'string' && text !== '') drafts[key] = text.slice(0, MAX_DRAFT_LENGTH);
  }
  return drafts;
}

export function draftsSlice(
  { get, set }: SliceContext,
  storage: PrefsStorage | null,
): { initial: Pick<NanceState, 'drafts'>; actions: Pick<Actions, 'setDraft'> } {
  return {
    initial: { drafts: loadDrafts(storage) },
    actions: {
      setDraft(key, text) {
        const { [key]: _old, ...others } = get().drafts;
        // Re-inserted last, so the oldest drafts are the ones dropped past MAX_DRAFTS.
        const entries = Object.entries(others);
        if (text !== '') entries.push([key, text.slice(0, MAX_DRAFT_LENGTH)]);
        const drafts = Object.fromEntries(entries.slice(-MAX_DRAFTS));
        set({ drafts });
        write(storage, DRAFTS_KEY, JSON.stringify(drafts));
      },
    },
  };
}
