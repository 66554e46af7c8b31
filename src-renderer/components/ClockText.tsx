// Text that follows the clock. The store's `now` ticks every second, and a component that reads it
// renders again every second with everything under it; so views read the clock only here, through
// a selector that returns the text: a tick renders a leaf again only when its text changes.
import type { Lang } from '../i18n';
import { relativeTime } from '../lib/format';
import { useNance } from '../store/react';

/** `format`'s text for the current clock and language; re-renders only when that text changes. */
export function useClockText(format: (now: number, lang: Lang) => string): string {
  return useNance((s) => format(s.now, s.lang));
}

/** "3 minutes ago", kept current. */
export function RelativeTime({ at }: { at: number }) {
  return useClockText((now, lang) => relativeTime(at, now, lang));
}
