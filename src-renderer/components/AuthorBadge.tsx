// Who wrote a message: a verified author's name with its key's fingerprint in the key's stable
// colour, or the name marked "unsigned"; and a warning when another author uses the same name.
import type { CSSProperties } from 'react';
import type { MessageDto } from '../../src-shared/api';
import { useT } from '../store/react';
import './AuthorBadge.css';
import { VisibleText } from './VisibleText';

export function AuthorBadge({ message, contested }: { message: MessageDto; contested: boolean }) {
  const t = useT();
  const { author } = message;
  return (
    <span className="author-badge" data-testid="message-author-badge" data-signed={author ? 'yes' : 'no'}>
      <span
        className="message-author"
        data-testid="message-author"
        dir="auto"
        style={author ? ({ '--author-hue': author.hue } as CSSProperties) : undefined}
      >
        <VisibleText text={message.name} />
      </span>
      {author ? (
        <span
          className="author-fingerprint"
          data-testid="message-fingerprint"
          title={t('author.fingerprintHelp')}
          style={{ '--author-hue': author.hue } as CSSProperties}
        >
          {author.fingerprint}
        </span>
      ) : (
        <span className="author-unsigned" data-testid="message-unsigned" title={t('author.unsignedHelp')}>
          {t('author.unsigned')}
        </span>
      )}
      {contested && (
        <span className="author-contested" data-testid="message-name-collision" role="note">
          {t('author.nameCollision')}
        </span>
      )}
    </span>
  );
}
