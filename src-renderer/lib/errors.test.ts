import { describe, expect, it } from 'vitest';
import type { ErrorKind } from '../../src-shared/api';
import { type Lang, translate } from '../i18n';
import { describeError, errorKindOf, errorKinds } from './errors';

const expected: Record<ErrorKind, Record<Lang, RegExp>> = {
  full: { en: /^This chat is full/, ja: /満杯/ },
  'not-found': {
    en: /^This chat no longer exists \(chats vanish daily\)/,
    ja: /もう存在しません.*毎日消えます/,
  },
  timeout: { en: /^The host did not answer/, ja: /応答がありませんでした/ },
  exception: { en: /^This host cannot send this chat/, ja: /このチャットを送れません/ },
  'wrong-mode': { en: /bootstrap mode/, ja: /ブートストラップモード/ },
  'invalid-argument': { en: /not accepted/, ja: /受け付けられませんでした/ },
  closed: { en: /Lost the connection/, ja: /接続が切れました/ },
  'bad-request': { en: /did not understand/, ja: /理解できませんでした/ },
  unreachable: { en: /could not reach you back/, ja: /届きませんでした/ },
  'not-supported': { en: /does not support/, ja: /対応していません/ },
  'too-large': { en: /too large/, ja: /大きすぎ/ },
  'bad-host': { en: /^This host sent an invalid answer/, ja: /不正な応答/ },
  'bad-link': { en: /^This is not a valid invite link/, ja: /招待リンクではありません/ },
  'wrong-key': { en: /key does not open/, ja: /鍵では開けません/ },
  'host-bootstrap': {
    en: /switched to bootstrap mode: it hosts no chats/,
    ja: /ブートストラップモードに切り替わりました/,
  },
};

describe('error messages', () => {
  it('covers every kind of the contract', () => {
    expect([...errorKinds].sort()).toEqual(Object.keys(expected).sort());
  });

  for (const kind of errorKinds) {
    for (const lang of ['en', 'ja'] as const) {
      it(`${kind} in ${lang}`, () => {
        const { text } = describeError({ kind, message: 'x' }, lang);
        expect(text).toMatch(expected[kind][lang]);
        expect(text).not.toBe(translate(lang, 'error.unknown'));
      });
    }
  }

  it('says different things in the two languages', () => {
    for (const kind of errorKinds) {
      expect(describeError({ kind, message: '' }, 'en').text).not.toBe(
        describeError({ kind, message: '' }, 'ja').text,
      );
    }
  });

  it('falls back on the protocol code for a kind it does not know, then on a generic sentence', () => {
    const unknownKind = (code?: number) => ({
      kind: 'weird' as ErrorKind,
      message: 'm',
      ...(code ? { code } : {}),
    });
    expect(errorKindOf(unknownKind(20))).toBe('full');
    expect(errorKindOf(unknownKind(10))).toBe('not-found');
    expect(errorKindOf(unknownKind(90))).toBe('timeout');
    expect(errorKindOf(unknownKind(1))).toBe('exception');
    expect(describeError(unknownKind(20), 'en').text).toMatch(/^This chat is full/);
    expect(describeError(unknownKind(), 'en').text).toBe('Something went wrong.');
    expect(describeError(unknownKind(), 'ja').text).toBe('問題が発生しました。');
  });

  it('keeps the technical detail apart, with the code', () => {
    expect(describeError({ kind: 'full', message: 'post: full (code 20)', code: 20 }, 'en').detail).toBe(
      'Details: post: full (code 20)',
    );
    expect(describeError({ kind: 'timeout', message: '', code: 90 }, 'ja').detail).toBe('詳細: code 90');
    expect(describeError({ kind: 'closed', message: '' }, 'en').detail).toBe('');
  });
});
