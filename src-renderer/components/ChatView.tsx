// One chat: its messages (live: my chats by event, others' by polling), and the composer.
// Enter posts, Shift+Enter starts a new line, Escape goes back to the list.
import { type KeyboardEvent, useRef } from 'react';
import { endpointKey } from '../../src-shared/endpoint';
import { useActions, useNance, useT } from '../store/react';
import './ChatView.css';
import { ChatNotice, ChatStateLine, WipedMarker } from './ChatState';
import { Composer } from './Composer';
import { InviteButton } from './InviteButton';
import { MessageList } from './MessageList';
import { PendingPosts } from './PendingPosts';
import { Isolated, Sentence, VisibleText } from './VisibleText';

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
        <InviteButton chat={open} />
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
