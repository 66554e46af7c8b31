// The unread total in the window's title, "(3) Nance — …": the renderer writes it, and the desktop
// shell reads it back for its badge (the title is the one thing a window always tells its shell),
// so this file owns the format both ways.

/** At most this many are counted in the title; more show as "99+". */
export const MAX_TITLE_COUNT = 99;

export function titleWithUnread(title: string, unread: number): string {
  if (!Number.isSafeInteger(unread) || unread <= 0) return title;
  return `(${unread > MAX_TITLE_COUNT ? `${MAX_TITLE_COUNT}+` : unread}) ${title}`;
}

/** The count `titleWithUnread` put in `title` (99 for "99+"); 0 when it has none. */
export function unreadInTitle(title: string): number {
  const m = /^\((\d{1,2})(\+?)\) /.exec(title);
  return m ? Number(m[1]) : 0;
}
