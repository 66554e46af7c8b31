// The browser window's notifications (the web host; the desktop app has the shell's own, and its
// window has no Notification permission). Permission is asked once, on the person's first click on
// a chat (browsers only allow it from a gesture); a "no" is never asked again.
import { plainLabel } from '../../src-shared/notify-rule';
import type { Lang } from '../i18n';
import { translate } from '../i18n';
import { read, write } from '../store/prefs';
import type { NewMessageNotice } from '../store/slices/activity';

const ASKED_KEY = 'nance.notifyAsked';
const MAX_NAME_CHARS = 60;

function available(): boolean {
  // window.nance: the desktop app, whose shell notifies.
  return typeof Notification !== 'undefined' && !('nance' in window);
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function askNotificationPermissionOnce(): void {
  if (!available() || Notification.permission !== 'default') return;
  if (read(storage(), ASKED_KEY) === '1') return;
  write(storage(), ASKED_KEY, '1');
  void Notification.requestPermission().catch(() => {});
}

/** The store's `notify` for the browser window, or null where it cannot notify. */
export function browserNotifier(lang: () => Lang): ((notice: NewMessageNotice) => void) | null {
  if (!available()) return null;
  return (notice) => {
    if (Notification.permission !== 'granted') return;
    const chars = [...notice.chatName.trim()];
    const short =
      chars.length <= MAX_NAME_CHARS ? chars.join('') : `${chars.slice(0, MAX_NAME_CHARS - 1).join('')}…`;
    const body = short
      ? translate(lang(), 'notify.newMessage', { name: plainLabel(short) })
      : translate(lang(), 'notify.newMessageNoName');
    try {
      const n = new Notification(translate(lang(), 'app.title'), { body, tag: notice.key });
      n.onclick = () => window.focus();
    } catch {
      // Some browsers allow notifications only from a service worker: then none.
    }
  };
}
