import { describe, expect, it } from 'vitest';
import { en } from './en';
import { detectLang, dictionaries, type MessageKey, placeholders, translate } from './index';
import { ja } from './ja';

describe('i18n', () => {
  it('English and Japanese have exactly the same keys', () => {
    expect(Object.keys(ja).sort()).toEqual(Object.keys(en).sort());
  });

  it('every string is non-empty and uses the same {placeholders} in both languages', () => {
    for (const key of Object.keys(en) as MessageKey[]) {
      expect(en[key].trim(), key).not.toBe('');
      expect(ja[key].trim(), key).not.toBe('');
      expect(placeholders(ja[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('fills parameters and leaves unknown ones visible', () => {
    expect(translate('en', 'chats.hostGroup', { host: '192.0.2.1:5000' })).toBe('Host 192.0.2.1:5000');
    expect(translate('ja', 'chat.bytesLeft', { left: 3 })).toBe('残り 3 バイト');
    expect(translate('en', 'chats.hostGroup')).toBe('Host {host}');
  });

  it('starts in Japanese when the browser says ja, unless a language was chosen', () => {
    expect(detectLang(null, 'ja-JP')).toBe('ja');
    expect(detectLang(null, 'ja')).toBe('ja');
    expect(detectLang(null, 'en-US')).toBe('en');
    expect(detectLang(null, undefined)).toBe('en');
    expect(detectLang('en', 'ja-JP')).toBe('en');
    expect(detectLang('ja', 'de-DE')).toBe('ja');
    expect(detectLang('fr', 'ja-JP')).toBe('ja');
  });

  it('has a dictionary per language', () => {
    expect(Object.keys(dictionaries).sort()).toEqual(['en', 'ja']);
  });
});
