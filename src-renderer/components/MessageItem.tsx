// One message of a chat: its author (verified by key, or unsigned), its time and its text (all
// from the network, so VisibleText). The first message of a run by one author shows who wrote it;
// the rest of the run keeps the name for screen readers only. "Mine" is decided by key, never by name.
import { memo } from 'react';
import type { MessageDto } from '../../src-shared/api';
import { fullTime, timeOfDay } from '../lib/format';
import { useNance, useT } from '../store/react';
import { AuthorBadge } from './AuthorBadge';
import { MessageBody } from './MessageBody';
import { VisibleText } from './VisibleText';

// Memoised: a new message (pushed or read) renders itself, not every message before it again.
export const MessageItem = memo(function MessageItem({
  message,
  contested,
  groupStart = true,
}: {
  message: MessageDto;
  /** Another author uses this name in the chat. */
  contested: boolean;
  groupStart?: boolean;
}) {
  const t = useT();
  const lang = useNance((s) => s.lang);
  return (
    <li
      className={`message${message.mine ? ' message-mine' : ''}${groupStart ? '' : ' message-continued'}`}
      data-testid="message-item"
      data-uuid={message.uuid}
      data-mine={message.mine ? 'yes' : 'no'}
      data-group-start={groupStart ? 'true' : 'false'}
    >
      <div className="message-meta">
        {groupStart || contested ? (
          <AuthorBadge message={message} contested={contested} />
        ) : (
          <span className="message-author visually-hidden" data-testid="message-author" dir="auto">
            <VisibleText text={message.name} />
          </span>
        )}
        <time dateTime={new Date(message.createdAt).toISOString()} title={fullTime(message.createdAt, lang)}>
          {timeOfDay(message.createdAt, lang)}
        </time>
      </div>
      {message.undecryptable ? (
        <p className="message-content muted" data-testid="message-undecryptable">
          {t('room.undecryptable')}
        </p>
      ) : (
        <MessageBody content={message.content} />
      )}
    </li>
  );
});
