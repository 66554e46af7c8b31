// One chat: its messages (live: my chats by event, others' by polling), and the composer.
// Enter posts, Shift+Enter starts a new line, Escape goes back to the list.
import { type KeyboardEvent, type MutableRefObject, useLayoutEffect, useRef } from 'react';
import type { MessageDto } from '../../src-shared/api';
import { endpointKey } from '../../src-shared/endpoint';
import { fullTime, messageTime } from '../lib/format';
import { useActions, useNance, useT } from '../store/react';
import './ChatView.css';
import { ChatNotice, ChatStateLine, WipedMarker } from './ChatState';
import { Composer } from './Composer';
import { PendingPosts } from './PendingPosts';
import { Note } from './States';
import { Isolated, Sentence, VisibleText } from './VisibleText';

/** Distance from the bottom (px) under which the list counts as "at the bottom". */
const STICK_SLACK = 48;

function MessageItem({ message, mine }: { message: MessageDto; mine: boolean }) {
  const lang = useNance((s) => s.lang);
  const now = useNance((s) => s.now);
  return (
    <li
      className={`message${mine ? ' message-mine' : ''}`}
      data-testid="message-item"
      data-uuid={message.uuid}
    >
      <div className="message-meta">
        <span className="message-author" data-testid="message-author" dir="auto">
          <VisibleText text={message.name} />
        </span>
        <time dateTime={new Date(message.createdAt).toISOString()} title={fullTime(message.createdAt, lang)}>
          {messageTime(message.createdAt, now, lang)}
        </time>
      </div>
      <p className="message-content" data-testid="message-content" dir="auto">
        <VisibleText text={message.content} mode="body" />
      </p>
    </li>
  );
}

function MessageList({ name, stick }: { name: string; stick: MutableRefObject<boolean> }) {
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

export function ChatView() {
  const t = useT();
  const open = useNance((s) => s.openChat);
  const error = useNance((s) => s.messages?.error ?? null);
  const { closeChat } = useActions();
  const stick = useRef(true);

  if (!open) return null;
  const gone = error?.kind === 'not-found' || error?.kind === 'host-bootstrap';

  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (e.key !== 'Escape' || e.nativeEvent.isComposing) return;
    e.preventDefault();
    const key = open.key;
    closeChat();
    document.querySelector<HTMLElement>(`[data-testid="chat-item"][data-key="${CSS.escape(key)}"]`)?.focus();
  };

  return (
    <article className="chat-view" data-testid="chat-view" data-key={open.key} onKeyDown={onKeyDown}>
      <header className="chat-view-header">
        <div className="chat-view-title">
          <h2 data-testid="chat-title" dir="auto" title={open.name}>
            <VisibleText text={open.name} />
          </h2>
          <span className="muted small">
            {open.host ? (
              <Sentence k="chat.hostRemote" params={{ host: <Isolated text={endpointKey(open.host)} /> }} />
            ) : (
              t('chat.hostMine')
            )}
            {' · '}
            <ChatStateLine open={open} />
          </span>
        </div>
        <button
          type="button"
          className="button-quiet"
          data-testid="chat-close"
          aria-label={t('chat.close')}
          title={t('chat.close')}
          onClick={closeChat}
        >
          ✕
        </button>
      </header>
      <ChatNotice open={open} />
      {error?.kind === 'not-found' ? (
        <WipedMarker name={open.name} />
      ) : (
        <MessageList name={open.name} stick={stick} />
      )}
      <PendingPosts chatKey={open.key} />
      <Composer key={open.key} chat={open} stick={stick} disabled={gone} />
    </article>
  );
}
