// What the window remembers about each chat it has read, for the chat list: how far it has read
// (`read`) and how far the reader had seen when the chat was last open (`seen`), when the chat was
// last active, and whether the reader opened it or posted in it (those are pinned). Kept in the
// window's preferences storage across restarts: counts and times only, never names or text (the
// chats themselves are wiped daily; a preview lives in memory until the next read).

export interface ChatActivity {
  /** `lastSeq` of the newest read of the chat. */
  read: number;
  /** `lastSeq` the reader had on screen when the chat was last open. */
  seen: number;
  /** Epoch ms of the newest message read (0 when none). */
  lastAt: number;
  opened: boolean;
  posted: boolean;
}

export type ActivityMap = Record<string, ChatActivity>;

/** The storage keeps at most this many chats (the most recently active). */
export const MAX_REMEMBERED = 500;
const MAX_KEY_LENGTH = 300;

export function unreadOf(a: ChatActivity | undefined): number {
  return a ? Math.max(0, a.read - a.seen) : 0;
}

export function isPinned(a: ChatActivity | undefined): boolean {
  return a !== undefined && (a.opened || a.posted);
}

const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Reads what `serialize` wrote; anything malformed (an edited or corrupt storage) is dropped, never thrown. */
export function parseActivity(text: string | null): ActivityMap {
  if (!text) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const out: ActivityMap = {};
  for (const [key, v] of Object.entries(raw).slice(0, MAX_REMEMBERED)) {
    if (key.length > MAX_KEY_LENGTH || typeof v !== 'object' || v === null) continue;
    const { read, seen, lastAt, opened, posted } = v as Record<string, unknown>;
    if (!count(read) || !count(seen) || !count(lastAt)) continue;
    if (typeof opened !== 'boolean' || typeof posted !== 'boolean') continue;
    out[key] = { read, seen: Math.min(seen, read), lastAt, opened, posted };
  }
  return out;
}

export function serializeActivity(map: ActivityMap): string {
  const entries = Object.entries(map);
  if (entries.length <= MAX_REMEMBERED) return JSON.stringify(map);
  entries.sort((a, b) => b[1].lastAt - a[1].lastAt);
  return JSON.stringify(Object.fromEntries(entries.slice(0, MAX_REMEMBERED)));
}
