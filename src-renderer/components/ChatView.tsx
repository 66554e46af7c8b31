// One chat: its messages (live: my chats by event, others' by polling), and the composer.
// Enter posts, Shift+Enter starts a new line, Escape goes back to the list.
import { type KeyboardEvent, type MutableRefObject, useEffect, useRef, useState } from 'react';
import { endpointKey } from '../../src-shared/endpoint';
import { describeError } from '../lib/errors';
import { MAX_MESSAGE } from '../lib/validate';
import { useActions, useNance, useT } from '../store/react';
import './ChatView.css';
import { InviteButton } from './InviteButton';
import { MessageList } from './MessageList';
import { isPlainEnter } from './NewChatForm';
import { Isolated, Sentence, VisibleText } from './VisibleText';

function Composer({ stick, disabled }: { stick: MutableRefObject<boolean>; disabled: boolean }) {
  const t = useT();
  const posting = useNance((s) => s.busy.posting);
  const displayName = useNance((s) => s.settings?.displayName.trim() || null);
  const { postMessage } = useActions();
  const [text, setText] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);

  useEffect(() => ref.current?.focus(), []);

  const tooLong = text.length > MAX_MESSAGE;
  const canSend = !posting && !disabled && !tooLong && text.trim() !== '';

  const send = async () => {
    if (!canSend) return;
    stick.current = true;
    if (await postMessage(text)) setText('');
    ref.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (isPlainEnter(e)) {
      e.preventDefault();
      void send();
    }
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <textarea
        ref={ref}
        className="composer-input"
        data-testid="message-input"
        aria-label={t('chat.inputLabel')}
        placeholder={t('chat.inputPlaceholder')}
        rows={2}
        value={text}
        disabled={disabled}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="composer-side">
        <button type="submit" className="button-primary" data-testid="message-submit" disabled={!canSend}>
          {posting ? t('chat.sending') : t('chat.send')}
        </button>
        <span className={`composer-hint${tooLong ? ' composer-hint-error' : ''}`}>
          {text.length > MAX_MESSAGE * 0.9
            ? t('chat.length', { count: text.length, max: MAX_MESSAGE })
            : t('chat.as', { name: displayName ?? t('anonymous') })}
        </span>
      </div>
    </form>
  );
}

export function ChatView() {
  const t = useT();
  const lang = useNance((s) => s.lang);
  const open = useNance((s) => s.openChat);
  const error = useNance((s) => s.messages?.error ?? null);
  const { closeChat } = useActions();
  const stick = useRef(true);

  if (!open) return null;
  const gone = error?.kind === 'not-found';
  const described = error ? describeError(error, lang) : null;

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
          <h2 data-testid="chat-title" dir="auto">
            <VisibleText text={open.name} />
          </h2>
          <span className="muted small">
            {open.host ? (
              <Sentence k="chat.hostRemote" params={{ host: <Isolated text={endpointKey(open.host)} /> }} />
            ) : (
              t('chat.hostMine')
            )}
            {' · '}
            <span className={`live-dot${error ? ' live-dot-error' : ''}`} aria-hidden="true" />
            {open.host ? t('chat.liveRemote') : t('chat.live')}
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
      {described && (
        <div className="chat-error" role="alert" data-testid="chat-error" data-kind={error?.kind}>
          <p>{described.text}</p>
          {described.detail && <p className="muted small">{described.detail}</p>}
        </div>
      )}
      <MessageList name={open.name} stick={stick} />
      <Composer stick={stick} disabled={gone} />
    </article>
  );
}
