// Text from the network drawn so it cannot lie about its direction or hide characters: the
// hidden ones become marked tokens (src-shared/visible-text.ts decides which), and `Isolated` puts a
// piece of text in its own bidi-isolated element so nothing in it reorders the text around it.
// Elements that already wrap one such text (a name's <span>, a message's <p>) take `dir="auto"`
// themselves and hold a `VisibleText`; text inside a sentence uses `Isolated` or `Sentence`.
import { Fragment, type ReactNode } from 'react';
import { type Segment, segments, type TextRole } from '../../src-shared/visible-text';
import type { MessageKey } from '../i18n';
import { useT } from '../store/react';
import './VisibleText.css';

function HiddenChar({ segment }: { segment: Extract<Segment, { kind: 'control' }> }) {
  const t = useT();
  // The token's look comes from CSS on its own element: a peer can type "RLO" or "⟨RLO⟩", never
  // this element, so the token cannot be faked from inside a name.
  return (
    <abbr
      className="hidden-char"
      data-testid="hidden-char"
      data-code={segment.code}
      title={t('text.hiddenChar', { code: segment.code, name: segment.name })}
      translate="no"
    >
      {segment.name}
    </abbr>
  );
}

/** `text` with its hidden characters as tokens; the caller's element isolates it. */
export function VisibleText({ text, mode = 'label' }: { text: string; mode?: TextRole }) {
  const parts = segments(text, mode);
  if (parts.length === 1 && parts[0]?.kind === 'text') return text;
  return parts.map((s, i) =>
    // Segments never move, so their index is a stable key.
    // biome-ignore lint/suspicious/noArrayIndexKey: see above
    s.kind === 'text' ? s.text : <HiddenChar key={i} segment={s} />,
  );
}

/** A label inside other text (an address in a sentence, a cell), in its own `<bdi>`. */
export function Isolated({ text, className }: { text: string; className?: string }) {
  return (
    <bdi className={className}>
      <VisibleText text={text} />
    </bdi>
  );
}

/** The string for `key` with each `{name}` replaced by the node `params[name]` (e.g. an `Isolated`). */
export function Sentence({ k, params }: { k: MessageKey; params: Record<string, ReactNode> }) {
  const t = useT();
  return t(k)
    .split(/(\{\w+\})/)
    .map((part, i) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      const node = name !== undefined && Object.hasOwn(params, name) ? params[name] : part;
      // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one string never move
      return <Fragment key={i}>{node}</Fragment>;
    });
}
