// The one rule for hidden characters in network text: which are shown as tokens in names and
// titles ('label') and in message bodies ('body'), and that nothing is lost on the way.
import { describe, expect, it } from 'vitest';
import { type Segment, segments } from './visible-text.js';

/** The text back from its segments: every control is the code point its code names. */
function rejoin(parts: Segment[]): string {
  return parts
    .map((s) => (s.kind === 'text' ? s.text : String.fromCodePoint(Number.parseInt(s.code.slice(2), 16))))
    .join('');
}

const controls = (parts: Segment[]) => parts.filter((s) => s.kind === 'control').map((s) => s.code);

const BIDI = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c];
const ZERO_WIDTH = [0x200b, 0x200c, 0x200d, 0x2060, 0xfeff];
const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
const RAINBOW_FLAG = '\u{1F3F3}\uFE0F\u200D\u{1F308}';
const SCOTLAND = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}';

describe('segments', () => {
  it('shows a right-to-left override in a name as its own token, with the text around it intact', () => {
    expect(segments('Alice\u202Eevil')).toEqual([
      { kind: 'text', text: 'Alice' },
      { kind: 'control', code: 'U+202E', name: 'RLO' },
      { kind: 'text', text: 'evil' },
    ]);
  });

  it('shows every bidi control and zero-width character in a label', () => {
    for (const cp of [...BIDI, ...ZERO_WIDTH]) {
      const parts = segments(`a${String.fromCodePoint(cp)}b`);
      expect(controls(parts), hex(cp)).toEqual([hex(cp)]);
    }
  });

  it('tells apart two names that look the same', () => {
    expect(segments('Alice')).toEqual([{ kind: 'text', text: 'Alice' }]);
    expect(controls(segments('Al\u200Bice'))).toEqual(['U+200B']);
    expect(controls(segments('Alice\uFEFF'))).toEqual(['U+FEFF']);
    expect(controls(segments('\u00ADAlice'))).toEqual(['U+00AD']);
    expect(controls(segments('Alice\u3164'))).toEqual(['U+3164']);
  });

  it('keeps emoji sequences whole in a label, but not a joiner between letters', () => {
    expect(segments(`${FAMILY} team`)).toEqual([{ kind: 'text', text: `${FAMILY} team` }]);
    expect(segments(RAINBOW_FLAG)).toEqual([{ kind: 'text', text: RAINBOW_FLAG }]);
    expect(segments(`${SCOTLAND} fans`)).toEqual([{ kind: 'text', text: `${SCOTLAND} fans` }]);
    expect(controls(segments('Bo\u200Db'))).toEqual(['U+200D']);
    expect(controls(segments('\u{1F468}\u200D'))).toEqual(['U+200D']);
    expect(controls(segments('\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645'))).toEqual(['U+200C']);
  });

  it('shows tag characters that smuggle hidden text, even behind a flag', () => {
    const tags = (s: string) => [...s].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
    expect(controls(segments(`hi${tags('ignore')}`))).toHaveLength(6);
    expect(controls(segments(`hi${tags('ignore')}`))[0]).toBe('U+E0069');
    // Behind a flag only the shape of a subdivision code (3–6 of a–z, 0–9) passes as a flag.
    expect(controls(segments(`\u{1F3F4}${tags('ignoreall')}\u{E007F}`))).toHaveLength(10);
    expect(controls(segments(`\u{1F3F4}${tags('gb sct')}\u{E007F}`))).toHaveLength(7);
    expect(controls(segments(`\u{1F3F4}${tags('gbsct')}`))).toHaveLength(5);
  });

  it('in a message body shows overrides, embeddings and isolates but keeps what scripts and emoji need', () => {
    const body = 'price \u202E01$\u202C ok';
    expect(controls(segments(body, 'body'))).toEqual(['U+202E', 'U+202C']);
    for (const cp of [0x202a, 0x202b, 0x202d, 0x2066, 0x2067, 0x2068, 0x2069, 0xfeff]) {
      expect(controls(segments(`a${String.fromCodePoint(cp)}b`, 'body')), hex(cp)).toEqual([hex(cp)]);
    }
    const kept = [
      FAMILY,
      '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645', // Persian "I want", with ZWNJ
      '\u0915\u094D\u200D\u0937', // Devanagari half form, with ZWJ
      '\u05E9\u05DC\u05D5\u05DD 123\u200F!', // Hebrew, number, RLM
      '\u0E20\u0E32\u0E29\u0E32\u200B\u0E44\u0E17\u0E22', // Thai, with a ZWSP line-break hint
    ];
    for (const text of kept) expect(segments(text, 'body')).toEqual([{ kind: 'text', text }]);
  });

  it('loses nothing: the segments rejoin into the text, astral characters included', () => {
    const texts = [
      '',
      'plain',
      'Alice\u202E',
      `\u2066${FAMILY}\u2069\u{E0041}x\u200B`,
      'a\u202A\u202B\u202C',
    ];
    for (const text of texts) {
      expect(rejoin(segments(text))).toBe(text);
      expect(rejoin(segments(text, 'body'))).toBe(text);
    }
    expect(segments('')).toEqual([]);
  });

  it('splits a 40,000-character message quickly', () => {
    const text = 'lorem ipsum \u202E dolor \u200B '.repeat(1500).slice(0, 40_000);
    const started = performance.now();
    const parts = segments(text, 'body');
    expect(performance.now() - started).toBeLessThan(200);
    expect(rejoin(parts)).toBe(text);
  });
});
