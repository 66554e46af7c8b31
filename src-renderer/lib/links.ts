// Links in message text: http and https addresses become clickable, nothing else does (no
// javascript:, data:, file:, mailto:, custom app schemes). linkify-it finds the candidates; every
// candidate is kept only when src-shared/safe-link.ts allows it, and only when it hides nothing
// (an address with a bidi control or an invisible character stays text).
import { LinkifyIt } from 'linkify-it';
import { safeLink } from '../../src-shared/safe-link';
import { segments } from '../../src-shared/visible-text';

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const linkify = new LinkifyIt({ fuzzyEmail: false, fuzzyIP: false });
// Only the web schemes; linkify-it knows a few more by default.
linkify.add('ftp:', null).add('mailto:', null).add('//', null);

function hidesNothing(raw: string): boolean {
  return segments(raw, 'label').every((s) => s.kind === 'text');
}

/** `text` cut into plain text and http/https links, in order; joined, the parts give `text` back. */
export function linkParts(text: string): TextPart[] {
  const matches = linkify.match(text) ?? [];
  const parts: TextPart[] = [];
  let at = 0;
  for (const m of matches) {
    const href = hidesNothing(m.raw) ? safeLink(m.url) : null;
    if (href === null) continue;
    if (m.index > at) parts.push({ kind: 'text', text: text.slice(at, m.index) });
    parts.push({ kind: 'link', text: m.raw, href });
    at = m.lastIndex;
  }
  if (at < text.length || parts.length === 0) parts.push({ kind: 'text', text: text.slice(at) });
  return parts;
}
