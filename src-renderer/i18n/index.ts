// Languages of the window: the dictionaries, the lookup with `{name}` parameters, and the choice
// of the starting language (Japanese when the browser says so, unless the person picked one).
import { en, type MessageKey, type Messages } from './en';
import { ja } from './ja';

export type { MessageKey, Messages } from './en';

export const languages = ['en', 'ja'] as const;
export type Lang = (typeof languages)[number];

export const dictionaries: Record<Lang, Messages> = { en, ja };

export type Params = Record<string, string | number>;

/** The string for `key` in `lang`, with every `{name}` replaced by `params[name]`. */
export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const text = dictionaries[lang][key] ?? en[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

/** A stored choice wins; otherwise Japanese when the browser's language starts with "ja". */
export function detectLang(stored: string | null | undefined, navigatorLanguage: string | undefined): Lang {
  if (isLang(stored)) return stored;
  return navigatorLanguage?.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

/** The `{name}` placeholders a string uses, sorted (to check both languages agree). */
export function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string).sort();
}
