// The message view's rows: the chat's messages with a date separator before the first message of
// each calendar day (the reader's time zone), and consecutive messages by one author within a few
// minutes of each other grouped (only the first of a group shows the author's name).
import type { MessageDto } from '../../src-shared/api';

/** A message this long after the previous one by the same author starts a new group. */
export const GROUP_GAP_MS = 5 * 60_000;

export type MessageRow =
  | { kind: 'day'; key: string; at: number }
  | { kind: 'message'; key: string; message: MessageDto; groupStart: boolean };

/** "YYYY-M-D" of the local calendar day `at` falls on. */
export function localDay(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/**
 * Who wrote a message, as far as the window can tell: the author's key when the post is signed,
 * else the name (an unsigned name proves nothing, but two unsigned posts under one name still read
 * as one run). A signed and an unsigned post never share a group.
 */
function authorOf(m: MessageDto): string {
  const key = (m as { author?: { key?: unknown } | null }).author?.key;
  return typeof key === 'string' ? `key:${key}` : `name:${m.name}`;
}

export function messageRows(messages: readonly MessageDto[]): MessageRow[] {
  const rows: MessageRow[] = [];
  let previous: MessageDto | null = null;
  for (const message of messages) {
    const day = localDay(message.createdAt);
    const newDay = previous === null || localDay(previous.createdAt) !== day;
    if (newDay) rows.push({ kind: 'day', key: `day-${day}-${message.uuid}`, at: message.createdAt });
    const groupStart =
      newDay ||
      previous === null ||
      authorOf(previous) !== authorOf(message) ||
      message.createdAt - previous.createdAt > GROUP_GAP_MS ||
      message.createdAt < previous.createdAt;
    rows.push({ kind: 'message', key: message.uuid, message, groupStart });
    previous = message;
  }
  return rows;
}
