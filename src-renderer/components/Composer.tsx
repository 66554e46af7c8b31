// The composer of one chat: its draft is kept per chat (switching, Escape, restarts), and the
// room left is counted in bytes as the post travels (src-shared/post-size.ts), so a message that
// would not fit one datagram is refused before Send, with how much is over. A private room's post
// travels sealed, so its room is counted as sealed (roomPostRoom).
import { type KeyboardEvent, type MutableRefObject, useEffect, useRef } from 'react';
import { MAX_MESSAGE_CHARS, postRoom, roomPostRoom } from '../../src-shared/post-size';
import { useActions, useNance, useT } from '../store/react';
import { authorName } from '../store/slices/preferences';
import type { OpenChat } from '../store/state';
import { isPrivateRoom } from './InviteButton';
import { isPlainEnter } from './NewChatForm';

/** Below this many bytes left, the composer shows the count instead of "Posting as". */
const SHOW_ROOM_BELOW = 4096;

export function Composer({
  chat,
  stick,
  disabled,
}: {
  chat: OpenChat;
  stick: MutableRefObject<boolean>;
  disabled: boolean;
}) {
  const t = useT();
  const posting = useNance((s) => s.busy.posting);
  const author = useNance(authorName);
  const displayName = useNance((s) => s.settings?.displayName.trim() || null);
  const text = useNance((s) => s.drafts[chat.key] ?? '');
  const sealed = useNance((s) => isPrivateRoom(s, chat));
  const { postMessage, setDraft } = useActions();
  const ref = useRef<HTMLTextAreaElement>(null);

  useEffect(() => ref.current?.focus(), []);

  const room = (sealed ? roomPostRoom : postRoom)(chat.chatUuid, author, text);
  // The contract's count of characters too (ASCII reaches it before the bytes run out).
  const tooManyChars = text.length > MAX_MESSAGE_CHARS;
  const fits = room.fits && !tooManyChars;
  const canSend = !posting && !disabled && fits && text.trim() !== '';

  const send = async () => {
    if (!canSend) return;
    stick.current = true;
    if (await postMessage(text)) setDraft(chat.key, '');
    ref.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (isPlainEnter(e)) {
      e.preventDefault();
      void send();
    }
  };

  const hint = tooManyChars
    ? t('validation.nameTooLong', { max: MAX_MESSAGE_CHARS })
    : !room.fits
      ? t('chat.tooLong', { over: -room.remaining })
      : room.remaining < SHOW_ROOM_BELOW
        ? t('chat.bytesLeft', { left: room.remaining })
        : t('chat.as', { name: displayName ?? t('anonymous') });

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
        aria-invalid={!fits}
        aria-describedby="composer-hint"
        placeholder={t('chat.inputPlaceholder')}
        rows={2}
        value={text}
        disabled={disabled}
        onChange={(e) => setDraft(chat.key, e.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="composer-side">
        <button type="submit" className="button-primary" data-testid="message-submit" disabled={!canSend}>
          {posting ? t('chat.sending') : t('chat.send')}
        </button>
        <span
          id="composer-hint"
          className={`composer-hint${fits ? '' : ' composer-hint-error'}`}
          data-testid="composer-hint"
          aria-live="polite"
        >
          {hint}
        </span>
      </div>
    </form>
  );
}
