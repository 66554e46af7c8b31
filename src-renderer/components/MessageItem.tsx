// One message of a chat: its author, its time and its text (all from the network, so VisibleText).
// The first message of a run by one author shows who wrote it; the rest of the run keeps the name
// for screen readers only.
import type { MessageDto } from '../../src-shared/api';
import { fullTime, timeOfDay } from '../lib/format';
import { useNance } from '../store/react';
import { MessageBody } from './MessageBody';
import { VisibleText } from './VisibleText';

export function MessageItem({
  message,
  mine,
  groupStart = true,
}: {
  message: MessageDto;
  mine: boolean;
  groupStart?: boolean;
}) {
  const lang = useNance((s) => s.lang);
  return (
    <li
      className={`message${mine ? ' message-mine' : ''}${groupStart ? '' : ' message-continued'}`}
      data-testid="message-item"
      data-uuid={message.uuid}
      data-group-start={groupStart ? 'true' : 'false'}
    >
      <div className="message-meta">
        <span
          className={groupStart ? 'message-author' : 'message-author visually-hidden'}
          data-testid="message-author"
          dir="auto"
        >
          <VisibleText text={message.name} />
        </span>
        <time dateTime={new Date(message.createdAt).toISOString()} title={fullTime(message.createdAt, lang)}>
          {timeOfDay(message.createdAt, lang)}
        </time>
      </div>
      <MessageBody content={message.content} />
    </li>
  );
}
