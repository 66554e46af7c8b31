// The open chat's messages, oldest first, with a date separator before each day and runs by one
// author grouped (lib/message-rows.ts). It stays scrolled to the newest unless the reader scrolled
// up; then "jump to latest" shows, counting the messages that arrived since.
import { type MutableRefObject, memo, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { contestedNames } from '../lib/author-names';
import { dayLabel } from '../lib/format';
import { messageRows } from '../lib/message-rows';
import { useNance, useT } from '../store/react';
import { useClockText } from './ClockText';
import './MessageList.css';
import { MessageItem } from './MessageItem';
import { Note } from './States';

/** Distance from the bottom (px) under which the list counts as "at the bottom". */
const STICK_SLACK = 48;

// Memoised, and its label from the clock only when it changes ("Today" turns "Yesterday" once).
const DaySeparator = memo(function DaySeparator({ at }: { at: number }) {
  const label = useClockText((now, lang) => dayLabel(at, now, lang));
  return (
    <li className="day-separator" data-testid="day-separator">
      <time dateTime={new Date(at).toISOString().slice(0, 10)}>{label}</time>
    </li>
  );
});

function JumpToLatest({ newCount, onJump }: { newCount: number; onJump: () => void }) {
  const t = useT();
  return (
    <button type="button" className="jump-latest" data-testid="jump-latest" onClick={onJump}>
      <span aria-hidden="true">↓ </span>
      {t('chat.jumpLatest')}
      {newCount > 0 && (
        <span className="jump-latest-count" data-testid="jump-latest-count">
          {t('chat.newCount', { count: newCount })}
        </span>
      )}
    </button>
  );
}

export function MessageList({ name, stick }: { name: string; stick: MutableRefObject<boolean> }) {
  const t = useT();
  const messages = useNance((s) => s.messages);
  const ref = useRef<HTMLOListElement>(null);
  const items = messages?.items ?? null;
  const contested = useMemo(() => contestedNames(items ?? []), [items]);
  /** How many messages there were when the reader scrolled up; null while at the bottom. */
  const [leftAt, setLeftAt] = useState<number | null>(null);

  // New messages keep the view at the bottom, unless the reader scrolled up to read older ones.
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && items && stick.current) el.scrollTop = el.scrollHeight;
  }, [items, stick]);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_SLACK;
    stick.current = atBottom;
    // Only a change: the scroll that follows each new message must not cost a render of its own.
    if (atBottom && leftAt !== null) setLeftAt(null);
    else if (!atBottom && leftAt === null) setLeftAt(items?.length ?? 0);
  };

  const jump = () => {
    const el = ref.current;
    stick.current = true;
    setLeftAt(null);
    if (el) el.scrollTop = el.scrollHeight;
    el?.focus();
  };

  if (items === null) {
    return (
      <div className="message-list-placeholder">
        {!messages?.error && (
          <Note busy testId="messages-loading">
            {t('chat.loading')}
          </Note>
        )}
      </div>
    );
  }
  return (
    <div className="message-list-frame">
      <ol
        ref={ref}
        className="message-list"
        data-testid="message-list"
        aria-live="polite"
        aria-label={t('chat.messagesLabel', { name })}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the log scrolls, so keyboard users must reach it
        tabIndex={0}
        onScroll={onScroll}
      >
        {items.length === 0 && (
          <li className="message-list-empty" data-testid="messages-empty">
            {t('chat.empty')}
          </li>
        )}
        {messageRows(items).map((row) =>
          row.kind === 'day' ? (
            <DaySeparator key={row.key} at={row.at} />
          ) : (
            <MessageItem
              key={row.key}
              message={row.message}
              contested={contested.has(row.message.name.trim())}
              groupStart={row.groupStart}
            />
          ),
        )}
      </ol>
      {leftAt !== null && <JumpToLatest newCount={Math.max(0, items.length - leftAt)} onJump={jump} />}
    </div>
  );
}
