// Network text in the window, rendered to markup (no DOM needed): each name, title, message and
// peer label sits in its own bidi-isolated element, and a control character in it is a marked
// token, never the raw character, so it cannot reorder the timestamp or the next name.
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatListDto, MessageDto, PeerDto } from '../../src-shared/api';
import type { Lang } from '../i18n';
import type { NanceState } from '../store/store';
import { disposeRendered, renderWith } from '../testing/render';
import { ChatList } from './ChatList';
import { ChatView } from './ChatView';
import { PeerList } from './PeerList';

afterEach(disposeRendered);

function render(node: ReactNode, extra: Partial<NanceState>, lang: Lang = 'en'): string {
  return renderWith(node, () => extra, lang);
}

/** The outer markup of the first element whose opening tag matches `attr` (nesting counted). */
function element(html: string, attr: string): string {
  const start = html.lastIndexOf('<', html.indexOf(attr));
  if (html.indexOf(attr) === -1 || start === -1) throw new Error(`no element with ${attr}`);
  const tag = /^<(\w+)/.exec(html.slice(start))?.[1] as string;
  const tags = new RegExp(`<(/?)${tag}[\\s>]`, 'g');
  tags.lastIndex = start;
  let depth = 0;
  for (let m = tags.exec(html); m; m = tags.exec(html)) {
    depth += m[1] === '/' ? -1 : 1;
    if (depth === 0) return html.slice(start, html.indexOf('>', m.index) + 1);
  }
  throw new Error(`unclosed ${tag}`);
}

const BIDI_OR_HIDDEN = /[\u061C\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/;
/** The text a person sees: the markup without its tags and attributes. */
const shown = (html: string) => html.replace(/<[^>]*>/g, '');
const token = (code: string) => `data-testid="hidden-char" data-code="${code}"`;

const now = 1_700_000_000_000;
const host = { host: '192.0.2.7', port: 5000 };
const message = (name: string, content: string, uuid = name): MessageDto => ({
  uuid,
  name,
  content,
  createdAt: now - 60_000,
  author: null,
  mine: false,
});

function chatWith(items: MessageDto[], name = 'Lobby'): Partial<NanceState> {
  const key = `192.0.2.7:5000/c`;
  return {
    now,
    openChat: { host, chatUuid: 'c', name, key },
    messages: { key, items, lastSeq: items.length, loading: false, error: null },
  };
}

describe('a name with a right-to-left override', () => {
  it('does not reorder the timestamp: the name is isolated and the control shown as a marked token', () => {
    const html = render(
      <ChatView />,
      chatWith([message('Alice\u202E', 'hello', 'm1'), message('Bob', 'hi', 'm2')]),
    );
    // No raw control anywhere in the window: nothing is left that could reorder the text after it.
    expect(shown(html)).not.toMatch(BIDI_OR_HIDDEN);

    const item = element(html, 'data-uuid="m1"');
    const author = element(item, 'data-testid="message-author"');
    expect(author).toMatch(/^<span [^>]*dir="auto"/);
    expect(author).toContain(`Alice<abbr class="hidden-char" ${token('U+202E')}`);
    expect(author).toContain('title="Hidden control character U+202E (RLO), shown');
    expect(author).toContain('>RLO</abbr>');
    // The timestamp is a sibling outside the isolated name, its text untouched.
    expect(author).not.toContain('<time');
    expect(item).toMatch(/<\/span><time [^>]*>[^<]+<\/time><\/div>/);
    // And so is the next author.
    expect(element(element(html, 'data-uuid="m2"'), 'data-testid="message-author"')).toBe(
      '<span class="message-author" data-testid="message-author" dir="auto">Bob</span>',
    );
  });

  it('says what the token is in Japanese too', () => {
    const html = render(<ChatView />, chatWith([message('Alice\u202E', 'hello')]), 'ja');
    expect(element(html, 'data-testid="hidden-char"')).toContain('title="隠れた制御文字 U+202E（RLO）');
  });

  it('cannot fake a token: the same letters typed by a peer stay plain text', () => {
    const html = render(<ChatView />, chatWith([message('Alice⟨RLO⟩', 'see <abbr>RLO</abbr>')]));
    expect(html).not.toContain('data-testid="hidden-char"');
    expect(element(html, 'data-testid="message-author"')).toContain('>Alice⟨RLO⟩</span>');
    expect(html).toContain('see &lt;abbr&gt;RLO&lt;/abbr&gt;');
  });
});

describe('message bodies', () => {
  it('take their own direction, show overrides, and keep the joiners scripts and emoji need', () => {
    const arabic = '\u0645\u0631\u062D\u0628\u0627';
    const persian = '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645';
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
    const html = render(
      <ChatView />,
      chatWith([
        message('a', arabic, 'm1'),
        message('b', `pay \u202E01$\u202C now`, 'm2'),
        message('c', `${persian} ${family}`, 'm3'),
      ]),
    );
    const content = (uuid: string) =>
      element(element(html, `data-uuid="${uuid}"`), 'data-testid="message-content"');
    expect(content('m1')).toBe(
      `<p class="message-content" data-testid="message-content" dir="auto">${arabic}</p>`,
    );
    expect(content('m2')).toContain(`pay <abbr class="hidden-char" ${token('U+202E')}`);
    expect(content('m2')).toContain(token('U+202C'));
    expect(shown(content('m2'))).not.toMatch(BIDI_OR_HIDDEN);
    expect(content('m3')).toContain(`>${persian} ${family}</p>`);
  });
});

describe('titles and peer labels', () => {
  it('the open chat title and its host sit in their own isolated elements', () => {
    const html = render(<ChatView />, chatWith([], 'Admin\u2067 chat'));
    const title = element(html, 'data-testid="chat-title"');
    expect(title).toMatch(/^<h2 [^>]*dir="auto"/);
    expect(title).toContain(`Admin<abbr class="hidden-char" ${token('U+2067')}`);
    expect(html).toContain('Hosted by <bdi>192.0.2.7:5000</bdi>');
    expect(shown(html)).not.toMatch(BIDI_OR_HIDDEN);
  });

  it('each chat name in the list, and two names that look equal are told apart', () => {
    const chats: ChatListDto = {
      rooms: [],
      mine: [],
      hosts: [
        {
          host,
          chats: [
            { uuid: 'a', name: 'General', createdAt: now - 1000 },
            { uuid: 'b', name: 'Gen\u200Beral', createdAt: now - 2000 },
          ],
          fetchedAt: now,
          error: null,
          path: null,
        },
      ],
    };
    const html = render(<ChatList />, { chats, now });
    const names = [...html.matchAll(/<span class="chat-item-name" dir="auto">(.*?)<\/span>/g)].map(
      (m) => m[1],
    );
    expect(names[0]).toBe('General');
    expect(names[1]).toContain(`Gen<abbr class="hidden-char" ${token('U+200B')}`);
    expect(html).toContain('Host <bdi>192.0.2.7:5000</bdi>');
    expect(shown(html)).not.toMatch(BIDI_OR_HIDDEN);
  });

  it('a peer host and NAT type from the network in the peers panel', () => {
    const peer: PeerDto = {
      host: '192.0.2.9',
      port: 5000,
      natType: 'Full Cone\u202E\uFEFF',
      role: 'peer',
      firstSeen: now - 5000,
      lastSeen: now - 1000,
      path: null,
    };
    const html = render(<PeerList peers={[peer]} label="Peers" />, { now });
    expect(html).toContain('<td class="mono" dir="ltr"><bdi>192.0.2.9</bdi>:5000</td>');
    const nat = element(html, '<td dir="auto">');
    expect(nat).toContain(`Full Cone<abbr class="hidden-char" ${token('U+202E')}`);
    expect(nat).toContain(token('U+FEFF'));
    expect(shown(html)).not.toMatch(BIDI_OR_HIDDEN);
  });
});
