// Text from the network (names, chat titles, messages, peer labels) split into what may be drawn
// as is and the characters a person could not otherwise see: bidi controls that reorder the text
// around them, and invisible characters that make two different names look the same. The views
// draw each `control` as a marked token of their own (a styled element, not text a peer could
// type), so a name "Alice\u202E" shows "Alice⟨RLO⟩" and reorders nothing.
//
// Two roles, because names and bodies need different things:
// - 'label' (names, titles, addresses): every listed character is shown. A label's job is to tell
//   who or what it is, so nothing in it may hide; a ZWNJ in a Persian name shows too (identity
//   over typography). The one exception: a ZWJ joining two emoji, and an emoji tag sequence (the
//   Scotland flag), which draw as one visible glyph and are common in names.
// - 'body' (message text): shows the explicit bidi formatting characters (embeddings, overrides,
//   isolates), which a reader must be able to tell are there (a "Trojan Source" style message),
//   and the characters with no honest use inside text (a stray BOM, deprecated format characters,
//   tag characters that smuggle hidden ASCII). It keeps what scripts and emoji need to read right:
//   ZWJ (emoji sequences, Indic conjuncts), ZWNJ (Persian), the marks LRM/RLM/ALM (mixed
//   right-to-left text with numbers), ZWSP/WJ (line-break hints in Thai, Khmer), soft hyphens.
//   A body is drawn in its own `dir="auto"` element, so what it keeps reorders only itself.

export type Segment = { kind: 'text'; text: string } | { kind: 'control'; code: string; name: string };
export type TextRole = 'label' | 'body';

/** Short names of the controls shown, by code point; the one table of what counts as hidden. */
const NAMES = new Map<number, string>([
  [0x061c, 'ALM'],
  [0x200e, 'LRM'],
  [0x200f, 'RLM'],
  [0x202a, 'LRE'],
  [0x202b, 'RLE'],
  [0x202c, 'PDF'],
  [0x202d, 'LRO'],
  [0x202e, 'RLO'],
  [0x2066, 'LRI'],
  [0x2067, 'RLI'],
  [0x2068, 'FSI'],
  [0x2069, 'PDI'],
  [0x200b, 'ZWSP'],
  [0x200c, 'ZWNJ'],
  [0x200d, 'ZWJ'],
  [0x2060, 'WJ'],
  [0xfeff, 'ZWNBSP'],
  [0x00ad, 'SHY'],
  [0x034f, 'CGJ'],
  [0x180e, 'MVS'],
  [0x2061, 'FA'],
  [0x2062, 'IT'],
  [0x2063, 'IS'],
  [0x2064, 'IP'],
  [0x115f, 'HF'],
  [0x1160, 'HF'],
  [0x3164, 'HF'],
  [0xffa0, 'HF'],
]);
for (let cp = 0x206a; cp <= 0x206f; cp++) NAMES.set(cp, 'FMT');

const TAG_FIRST = 0xe0000;
const TAG_LAST = 0xe007f;
const CANCEL_TAG = 0xe007f;
const WAVING_BLACK_FLAG = 0x1f3f4;
const ZWJ = 0x200d;

/** Any character the table names, or a tag: text without one is drawn as is (the usual case). */
const ANY_LISTED = new RegExp(
  `[${[...NAMES.keys()].map((cp) => `\\u{${cp.toString(16)}}`).join('')}\\u{e0000}-\\u{e007f}]`,
  'u',
);

/** What a body keeps as text (see the head comment for why). */
const BODY_KEEPS = new Set([
  0x061c, 0x200e, 0x200f, 0x200b, 0x200c, 0x200d, 0x2060, 0x00ad, 0x034f, 0x180e, 0x2061, 0x2062, 0x2063,
  0x2064, 0x115f, 0x1160, 0x3164, 0xffa0,
]);

const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
/** Characters that may sit between an emoji and a ZWJ: variation selectors, skin tones. */
const EMOJI_TRAILER = /[\uFE0E\uFE0F\u{1F3FB}-\u{1F3FF}]/u;

function controlName(cp: number): string | undefined {
  if (cp >= TAG_FIRST && cp <= TAG_LAST) return 'TAG';
  return NAMES.get(cp);
}

/** "U+202E" */
export function codeLabel(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A ZWJ at `i` between two emoji (after any variation selectors or skin tones). */
function joinsEmoji(chars: string[], i: number): boolean {
  let before = i - 1;
  while (before >= 0 && EMOJI_TRAILER.test(chars[before] as string)) before--;
  const prev = chars[before];
  const next = chars[i + 1];
  return prev !== undefined && next !== undefined && PICTOGRAPHIC.test(prev) && PICTOGRAPHIC.test(next);
}

/** Tag characters an emoji subdivision flag spells its code with: a–z and 0–9. */
function isFlagTag(cp: number): boolean {
  return (cp >= 0xe0061 && cp <= 0xe007a) || (cp >= 0xe0030 && cp <= 0xe0039);
}

/**
 * Length of the tag run of a subdivision flag starting at `i` (🏴, 3–6 tags, cancel tag, as in
 * "gbsct"), or 0. Anything longer or other is shown: tag runs can carry hidden text.
 */
function flagTagRun(chars: string[], i: number): number {
  if (chars[i - 1]?.codePointAt(0) !== WAVING_BLACK_FLAG) return 0;
  let j = i;
  while (j < chars.length && j - i <= 6 && isFlagTag(chars[j]?.codePointAt(0) as number)) j++;
  const tags = j - i;
  return tags >= 3 && tags <= 6 && chars[j]?.codePointAt(0) === CANCEL_TAG ? tags + 1 : 0;
}

/** `text` as plain runs and the hidden characters between them, for a `role`. */
export function segments(text: string, role: TextRole = 'label'): Segment[] {
  if (!ANY_LISTED.test(text)) return text === '' ? [] : [{ kind: 'text', text }];
  const chars = Array.from(text);
  const out: Segment[] = [];
  let run = '';
  const flush = () => {
    if (run !== '') out.push({ kind: 'text', text: run });
    run = '';
  };
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    const cp = ch.codePointAt(0) as number;
    const name = controlName(cp);
    if (
      name === undefined ||
      (role === 'body' && BODY_KEEPS.has(cp)) ||
      (cp === ZWJ && joinsEmoji(chars, i))
    ) {
      run += ch;
      continue;
    }
    const flag = name === 'TAG' ? flagTagRun(chars, i) : 0;
    if (flag > 0) {
      run += chars.slice(i, i + flag).join('');
      i += flag - 1;
      continue;
    }
    flush();
    out.push({ kind: 'control', code: codeLabel(cp), name });
  }
  flush();
  return out;
}
