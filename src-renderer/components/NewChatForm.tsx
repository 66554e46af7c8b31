// Start a chat: a name and the first message (author = my display name). Enter in the message
// creates it (Shift+Enter = new line); Escape cancels.
import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import type { MessageKey } from '../i18n';
import { MAX_CHAT_NAME, MAX_MESSAGE } from '../lib/validate';
import { useActions, useNance, useT } from '../store/react';
import './Forms.css';

export function isPlainEnter(e: KeyboardEvent): boolean {
  // keyCode 229: a key press that an input method (Japanese IME) is still composing.
  return e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing && e.keyCode !== 229;
}

export function NewChatForm() {
  const t = useT();
  const creating = useNance((s) => s.busy.creating);
  const displayName = useNance((s) => s.settings?.displayName.trim() || null);
  const { createChat, cancelNewChat } = useActions();
  const [name, setName] = useState('');
  const [message, setMessage] = useState('');
  const [isPrivate, setPrivate] = useState(false);
  const [problems, setProblems] = useState<{ name?: MessageKey; message?: MessageKey }>({});
  const nameRef = useRef<HTMLInputElement>(null);
  const ids = useId();

  useEffect(() => nameRef.current?.focus(), []);
  // Said while typing (a pasted long title is not cut silently to the limit, as maxLength would).
  const nameTooLong = name.trim().length > MAX_CHAT_NAME;
  const nameProblem = nameTooLong ? 'validation.nameTooLong' : problems.name;

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (creating) return;
    const found: typeof problems = {};
    if (name.trim() === '') found.name = 'validation.chatNameRequired';
    if (nameTooLong) found.name = 'validation.nameTooLong';
    if (message.trim() === '') found.message = 'validation.messageRequired';
    setProblems(found);
    if (found.name || found.message) return;
    await createChat(name, message, isPrivate);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      cancelNewChat();
    }
  };

  return (
    <form
      className="form-card new-chat"
      data-testid="new-chat-form"
      aria-labelledby={`${ids}-title`}
      onSubmit={(e) => void submit(e)}
      onKeyDown={onKeyDown}
      noValidate
    >
      <h2 id={`${ids}-title`}>{t('newChat.title')}</h2>
      <p className="muted">{t('newChat.help')}</p>

      <label className="field">
        <span className="field-label">{t('newChat.nameLabel')}</span>
        <input
          ref={nameRef}
          data-testid="new-chat-name"
          aria-label={t('newChat.nameLabel')}
          aria-invalid={nameProblem ? true : undefined}
          aria-describedby={nameProblem ? `${ids}-name-error` : undefined}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        {nameProblem && (
          <span className="field-error" id={`${ids}-name-error`} data-testid="new-chat-name-error">
            {t(nameProblem, { max: MAX_CHAT_NAME })}
          </span>
        )}
      </label>

      <label className="field">
        <span className="field-label">{t('newChat.messageLabel')}</span>
        <textarea
          data-testid="new-chat-message"
          aria-label={t('newChat.messageLabel')}
          aria-invalid={problems.message ? true : undefined}
          aria-describedby={problems.message ? `${ids}-message-error` : undefined}
          rows={4}
          maxLength={MAX_MESSAGE}
          value={message}
          onChange={(e) => setMessage(e.target.value)}
          onKeyDown={(e) => {
            if (isPlainEnter(e)) {
              e.preventDefault();
              void submit();
            }
          }}
        />
        {problems.message && (
          <span className="field-error" id={`${ids}-message-error`}>
            {t(problems.message)}
          </span>
        )}
      </label>

      <label className="field field-inline">
        <input
          type="checkbox"
          data-testid="new-chat-private"
          checked={isPrivate}
          onChange={(e) => setPrivate(e.target.checked)}
        />
        <span>
          <span aria-hidden="true">🔒 </span>
          {t('newChat.private')}
          <span className="muted small"> — {t('newChat.privateHelp')}</span>
        </span>
      </label>

      <p className="muted small">{t('newChat.as', { name: displayName ?? t('anonymous') })}</p>

      <div className="form-actions">
        <button type="submit" className="button-primary" data-testid="new-chat-submit" disabled={creating}>
          {creating ? t('newChat.creating') : t('newChat.submit')}
        </button>
        <button
          type="button"
          className="button-secondary"
          data-testid="new-chat-cancel"
          onClick={cancelNewChat}
        >
          {t('newChat.cancel')}
        </button>
      </div>
    </form>
  );
}
