// What the window remembers on this device (not on the main side): language, theme, drafts, and
// each chat's read state (lib/chat-activity.ts).
import { detectLang, isLang, type Lang } from '../i18n';

export const themes = ['system', 'light', 'dark'] as const;
export type Theme = (typeof themes)[number];

export const LANG_KEY = 'nance.lang';
export const THEME_KEY = 'nance.theme';
export const ACTIVITY_KEY = 'nance.activity';
/** Unsent text per chat key (slices/drafts.ts). */
export const DRAFTS_KEY = 'nance.drafts';

export interface PrefsStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function isTheme(value: unknown): value is Theme {
  return typeof value === 'string' && (themes as readonly string[]).includes(value);
}

export function read(storage: PrefsStorage | null, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

/** A stored JSON value, or undefined when absent or unreadable. */
export function readJson(storage: PrefsStorage | null, key: string): unknown {
  const text = read(storage, key);
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function write(storage: PrefsStorage | null, key: string, value: string): void {
  try {
    storage?.setItem(key, value);
  } catch {
    // Private mode or a full disk: the choice lasts for this session only.
  }
}

export function loadPrefs(
  storage: PrefsStorage | null,
  navigatorLanguage: string | undefined,
): { lang: Lang; theme: Theme } {
  const lang = detectLang(read(storage, LANG_KEY), navigatorLanguage);
  const storedTheme = read(storage, THEME_KEY);
  return { lang: isLang(lang) ? lang : 'en', theme: isTheme(storedTheme) ? storedTheme : 'system' };
}
