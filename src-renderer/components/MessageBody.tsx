// A message's text: http/https links clickable (lib/links.ts decides which), every piece drawn with
// VisibleText, and a long text collapsed to its head with "show more".
import { useState } from 'react';
import { collapsedHead } from '../lib/collapse';
import { linkParts } from '../lib/links';
import { useT } from '../store/react';
import { VisibleText } from './VisibleText';

/**
 * Links open outside the window: in a browser a new tab that cannot reach back (`noopener`) and is
 * not told where it came from (`noreferrer`); in the desktop app the shell's window-open handler
 * checks the address again and asks before it opens (src-main/host/shell/external-links.ts).
 */
function LinkedText({ text }: { text: string }) {
  return linkParts(text).map((part, i) =>
    part.kind === 'text' ? (
      // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text never move
      <VisibleText key={i} text={part.text} mode="body" />
    ) : (
      <a
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        key={i}
        className="message-link"
        data-testid="message-link"
        href={part.href}
        target="_blank"
        rel="noopener noreferrer"
        title={part.href}
      >
        <VisibleText text={part.text} mode="body" />
      </a>
    ),
  );
}

export function MessageBody({ content }: { content: string }) {
  const t = useT();
  const [expanded, setExpanded] = useState(false);
  const head = collapsedHead(content);
  const collapsed = head !== null && !expanded;
  return (
    <>
      <p
        className={`message-content${collapsed ? ' message-content-collapsed' : ''}`}
        data-testid="message-content"
        data-collapsed={collapsed ? 'true' : undefined}
        dir="auto"
      >
        <LinkedText text={collapsed ? `${head}…` : content} />
      </p>
      {head !== null && (
        <button
          type="button"
          className="button-quiet message-more"
          data-testid="message-more"
          aria-expanded={expanded}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? t('chat.showLess') : t('chat.showMore')}
        </button>
      )}
    </>
  );
}
