// Long messages show collapsed: the first lines and characters, with "show more" for the rest.

/** A message longer than this many characters, or with more lines, starts collapsed. */
export const COLLAPSE_CHARS = 700;
export const COLLAPSE_LINES = 12;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The head of `text` shown while collapsed, or null when `text` is short enough to show whole.
 * Cut on a grapheme boundary, so an emoji or a letter with its marks is never split.
 */
export function collapsedHead(text: string): string | null {
  let lines = 1;
  let chars = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    if (segment === '\n' || segment === '\r\n') lines += 1;
    chars += segment.length;
    if (lines > COLLAPSE_LINES || chars > COLLAPSE_CHARS) return text.slice(0, index).trimEnd();
  }
  return null;
}
