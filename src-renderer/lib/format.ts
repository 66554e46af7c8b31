// Small formatting helpers shared by the views: relative ages, the wipe countdown, message times
// and day labels (addresses: endpointKey in src-shared/endpoint.ts). Pure functions of their
// arguments (the caller passes "now").
import type { Lang } from '../i18n';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const relativeFormats = new Map<Lang, Intl.RelativeTimeFormat>();
function relativeFormat(lang: Lang): Intl.RelativeTimeFormat {
  let f = relativeFormats.get(lang);
  if (!f) {
    f = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
    relativeFormats.set(lang, f);
  }
  return f;
}

/**
 * One Intl.DateTimeFormat per language and option set: making one costs far more than formatting
 * with it (the window formats a time for every message row and chat row it renders).
 */
const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(lang: Lang, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${lang} ${JSON.stringify(options)}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, options);
    dateFormats.set(key, f);
  }
  return f;
}

/** "3 minutes ago" / "3 分前"; "now" within ten seconds. */
export function relativeTime(then: number, now: number, lang: Lang): string {
  const diff = then - now;
  const abs = Math.abs(diff);
  const f = relativeFormat(lang);
  if (abs < 10 * SECOND) return f.format(0, 'second');
  if (abs < MINUTE) return f.format(Math.trunc(diff / SECOND), 'second');
  if (abs < HOUR) return f.format(Math.trunc(diff / MINUTE), 'minute');
  if (abs < DAY) return f.format(Math.trunc(diff / HOUR), 'hour');
  return f.format(Math.trunc(diff / DAY), 'day');
}

/** "H:MM:SS" for a duration; never negative. */
export function countdown(ms: number): string {
  const total = Math.max(0, Math.floor(ms / SECOND));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** Time of day ("14:05"); the message view's date separators say which day. */
export function timeOfDay(at: number, lang: Lang): string {
  return dateFormat(lang, { hour: '2-digit', minute: '2-digit' }).format(at);
}

/** A date separator's label: "Today", "Yesterday", else the date (with the year when not this year's). */
export function dayLabel(at: number, now: number, lang: Lang): string {
  const day = new Date(at);
  const today = new Date(now);
  const startOf = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const daysAgo = Math.round((startOf(today) - startOf(day)) / DAY);
  if (daysAgo === 0 || daysAgo === 1) {
    const words = relativeFormat(lang).format(-daysAgo, 'day');
    return words.charAt(0).toLocaleUpperCase(lang) + words.slice(1);
  }
  const options: Intl.DateTimeFormatOptions = { weekday: 'short', month: 'long', day: 'numeric' };
  if (day.getFullYear() !== today.getFullYear()) options.year = 'numeric';
  return dateFormat(lang, options).format(day);
}

/** A moment in the recent past: the time alone today, else with its date ("offline since …"). */
export function messageTime(at: number, now: number, lang: Lang): string {
  const a = new Date(at);
  const b = new Date(now);
  const sameDay =
    a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  const options: Intl.DateTimeFormatOptions = sameDay
    ? { hour: '2-digit', minute: '2-digit' }
    : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
  return dateFormat(lang, options).format(a);
}

/** Full date and time, for tooltips. */
export function fullTime(at: number, lang: Lang): string {
  return dateFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' }).format(at);
}
