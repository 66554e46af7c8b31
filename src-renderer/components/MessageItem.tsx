// One message of a chat: its author, its time and its text (all from the network, so VisibleText).
import type { MessageDto } from '../../src-shared/api';
import { fullTime, messageTime } from '../lib/format';
import { useNance } from '../store/react';
import { VisibleText } from './VisibleText';

export function MessageItem({ message, mine }: { message: MessageDto; mine: boolean }) {
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
