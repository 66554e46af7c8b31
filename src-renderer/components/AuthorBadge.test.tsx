// Who wrote each message, rendered to markup over a real store: a verified author's fingerprint in
// its key's colour, "unsigned" in both languages, "mine" by key only, and names used by two authors.
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthorDto, MessageDto } from '../../src-shared/api';
import { ja } from '../i18n/ja';
import { contestedNames } from '../lib/author-names';
import { disposeRendered, renderWith } from '../testing/render';
import { ChatView } from './ChatView';

afterEach(disposeRendered);

const alice: AuthorDto = { key: 'a'.repeat(43), fingerprint: 'k7f3-9qxa-2m4b', hue: 200 };
const carol: AuthorDto = { key: 'c'.repeat(43), fingerprint: 'zz00-1111-2222', hue: 20 };
const msg = (uuid: string, name: string, author: AuthorDto | null, mine = false): MessageDto => ({
  uuid,
  name,
  content: `${uuid} text`,
  createdAt: 1_700_000_000_000,
  author,
  mine,
});

function render(items: MessageDto[], lang: 'en' | 'ja' = 'en'): string {
  const key = '192.0.2.7:5000/c';
  return renderWith(
    <ChatView />,
    (fake) => ({
      openChat: { host: { host: '192.0.2.7', port: 5000 }, chatUuid: 'c', name: 'Room', key },
      messages: { key, items, lastSeq: items.length, loading: false, error: null },
      // My display name is "Alice": a post under that name is still not mine unless signed by my key.
      settings: { ...fake.settings, displayName: 'Alice' },
    }),
    lang,
  );
}

/** The markup of the message item with this uuid. */
const itemOf = (html: string, uuid: string) => {
  const start = html.indexOf(`data-uuid="${uuid}"`);
  return html.slice(start, html.indexOf('</li>', start));
};

describe('who wrote each message', () => {
  it('shows a verified author with the fingerprint in its colour, an unsigned one as unsigned, mine by key', () => {
    const html = render([msg('m1', 'Alice', alice, true), msg('m2', 'Alice', null), msg('m3', 'Bob', carol)]);
    const own = itemOf(html, 'm1');
    expect(own).toContain('data-mine="yes"');
    expect(own).toContain('k7f3-9qxa-2m4b');
    expect(own).toContain('--author-hue:200');
    expect(own).not.toContain('message-unsigned');
    const forged = itemOf(html, 'm2');
    expect(forged).toContain('data-mine="no"');
    expect(forged).not.toContain('message-mine');
    expect(forged).toContain('data-testid="message-unsigned"');
    expect(forged).toContain('>unsigned<');
    expect(itemOf(html, 'm3')).toContain('data-mine="no"');
  });

  it('flags a name used by two keys, or by a key and an unsigned post, on those messages only', () => {
    const html = render([
      msg('m1', 'Alice', alice, true),
      msg('m2', 'Alice ', carol),
      msg('m3', 'Bob', carol),
    ]);
    expect(itemOf(html, 'm1')).toContain('another author uses this name');
    expect(itemOf(html, 'm2')).toContain('another author uses this name');
    expect(itemOf(html, 'm3')).not.toContain('message-name-collision');
    expect(contestedNames([msg('a', 'Alice', alice), msg('b', 'Alice', null)])).toEqual(new Set(['Alice']));
    expect(contestedNames([msg('a', 'Alice', alice), msg('b', 'Alice', alice)])).toEqual(new Set());
    expect(contestedNames([msg('a', 'X', null), msg('b', 'X', null)])).toEqual(new Set());
  });

  it('says it in Japanese too', () => {
    const html = render([msg('m1', 'Alice', alice), msg('m2', 'Alice', null)], 'ja');
    expect(itemOf(html, 'm2')).toContain(`>${ja['author.unsigned']}<`);
    expect(itemOf(html, 'm1')).toContain(ja['author.nameCollision']);
  });
});
