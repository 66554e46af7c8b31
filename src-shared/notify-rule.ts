// When a new message deserves a notification: one rule for the desktop's system notifications
// (src-main/host/shell/notification-rules.ts) and the browser window's (the renderer's activity
// slice), so both windows agree.
import { type ChatRef, chatKey } from './chat-key.js';
import { segments } from './visible-text.js';

export interface NotifyInput {
  /** The chat with a new message. */
  event: ChatRef;
  /** The chat the window shows, if any. */
  openChat: ChatRef | null;
  /** `chatKey`s of the chats the user has posted in (or created). */
  postedIn: ReadonlySet<string>;
  windowFocused: boolean;
}

/**
 * Notify for a new message in the open chat when the window is not focused (hidden in the tray,
 * minimised, or behind another window), and in any other chat the user has posted in (it is not on
 * screen even when the window is focused). Never for chats the user only looked at.
 */
export function shouldNotify(input: NotifyInput): boolean {
  const key = chatKey(input.event);
  if (input.openChat && chatKey(input.openChat) === key) return !input.windowFocused;
  return input.postedIn.has(key);
}

/** Chats remembered by the throttle; past this it starts over (a burst of that size is noise). */
const MAX_THROTTLED = 10_000;

/** At most one notification per chat per interval: a burst of messages gives one, not fifty. */
export class NotifyThrottle {
  private readonly last = new Map<string, number>();

  constructor(private readonly intervalMs = 10_000) {}

  /** True (and remembered) when `key` has not been notified within the interval before `now`. */
  allow(key: string, now: number): boolean {
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < this.intervalMs) return false;
    if (this.last.size > MAX_THROTTLED) this.last.clear();
    this.last.set(key, now);
    return true;
  }
}

/**
 * A name from the network as plain text for a system notification: hidden and
 * direction-changing characters shown as marks (the window's rule, ./visible-text.ts),
 * and the whole isolated (FSI … PDI), so it cannot reorder the sentence around it.
 */
export function plainLabel(text: string): string {
  const shown = segments(text, 'label')
    .map((s) => (s.kind === 'text' ? s.text : `⟨${s.name}⟩`))
    .join('');
  return `\u2068${shown}\u2069`;
}
