// The open chat's messages, oldest first, kept scrolled to the newest unless the reader scrolled up.
import { type MutableRefObject, useLayoutEffect, useRef } from 'react';
import { useNance, useT } from '../store/react';
import './MessageList.css';
import { MessageItem } from './MessageItem';
import { Note } from './States';

/** Distance from the bottom (px) under which the list counts as "at the bottom". */
const STICK_SLACK = 48;

export function MessageList({ name, stick }: { name: string; stick: MutableRefObject<boolean> }) {
  const t = useT();
  const messages = useNance((s) => s.messages);
  const me = useNance((s) => s.settings?.displayName.trim() ?? '');
  const ref = useRef<HTMLOListElement>(null);
  const items = messages?.items ?? null;

  // New messages keep the view at the bottom, unless the reader scrolled up to read older ones.
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && items && stick.current) el.scrollTop = el.scrollHeight;
  }, [items, stick]);

  const onScroll = () => {
    const el = ref.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_SLACK;
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
    <ol
      ref={ref}
      className="message-list"
      data-testid="message-list"
      role="log"
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
      {items.map((m) => (
        <MessageItem key={m.uuid} message={m} mine={me !== '' && m.name === me} />
      ))}
    </ol>
  );
}
