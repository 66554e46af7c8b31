// The message view and the chat list rendered to markup over a real store: date separators,
// author runs, links (only http/https, opening in a new tab that cannot reach back), show more,
// unread counts, previews (network text, so VisibleText there too) and the pinned group.
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatListDto, MessageDto } from '../../src-shared/api';
import { COLLAPSE_CHARS } from '../lib/collapse';
import type { NanceState } from '../store/store';
import { disposeRendered, renderWith } from '../testing/render';
import { ChatList } from './ChatList';
import { ChatView } from './ChatView';

afterEach(disposeRendered);

const at = (day: number, hour: number, minute = 0) => new Date(2026, 0, day, hour, minute).getTime();
const now = at(15, 12);
const host = { host: '192.0.2.7', port: 5000 };
const key = '192.0.2.7:5000/c';
const msg = (uuid: string, name: string, content: string, createdAt: number): MessageDto => ({
  uuid,
  name,
  content,
  createdAt,
  author: null,
  mine: false,
});

function chat(items: MessageDto[], lang: 'en' | 'ja' = 'en'): string {
  return renderWith(
    <ChatView />,
    () => ({
      now,
      openChat: { host, chatUuid: 'c', name: 'Lobby', key },
      messages: { key, items, lastSeq: items.length, loading: false, error: null },
    }),
    lang,
  );
}

const count = (html: string, needle: string) => html.split(needle).length - 1;
/** The opening tags of every element with this test id. */
const tags = (html: string, testId: string) =>
  [...html.matchAll(new RegExp(`<[^>]*data-testid="${testId}"[^>]*>`, 'g'))].map((m) => m[0]);

describe('the message view', () => {
  it('separates days and groups a run of one author: the name shows once per run', () => {
    const html = chat([
      msg('a', 'Ann', 'late', at(14, 23, 58)),
      msg('b', 'Ann', 'night', at(14, 23, 59)),
      msg('c', 'Ann', 'morning', at(15, 0, 1)),
      msg('d', 'Ann', 'again', at(15, 0, 2)),
      msg('e', 'Bob', 'hi', at(15, 0, 3)),
    ]);
    expect(tags(html, 'day-separator')).toHaveLength(2);
    expect(html).toContain('>Yesterday</time>');
    expect(html).toContain('>Today</time>');
    expect(tags(html, 'message-item').map((t) => /data-group-start="(\w+)"/.exec(t)?.[1])).toEqual([
      'true',
      'false',
      'true', // a new day starts a new run
      'false',
      'true',
    ]);
    // The name stays for screen readers on every message, shown only at the start of a run.
    expect(count(html, 'class="message-author visually-hidden"')).toBe(2);
    expect(count(html, 'class="message-author"')).toBe(3);
  });

  it('in Japanese, the separators say 今日 and 昨日', () => {
    const html = chat([msg('a', 'A', 'x', at(14, 10)), msg('b', 'A', 'y', at(15, 10))], 'ja');
    expect(html).toContain('>昨日</time>');
    expect(html).toContain('>今日</time>');
  });

  it('makes http/https addresses links that open a new tab without opener or referrer; never javascript:, data: or file:', () => {
    const html = chat([
      msg('a', 'Ann', 'see https://example.com/menu?day=fri and http://example.org', at(15, 10)),
      msg(
        'b',
        'Eve',
        'javascript:alert(document.cookie) data:text/html,<b>x</b> file:///etc/passwd',
        at(15, 10),
      ),
    ]);
    expect(tags(html, 'message-link')).toEqual([
      '<a class="message-link" data-testid="message-link" href="https://example.com/menu?day=fri" target="_blank" rel="noopener noreferrer" title="https://example.com/menu?day=fri">',
      '<a class="message-link" data-testid="message-link" href="http://example.org/" target="_blank" rel="noopener noreferrer" title="http://example.org/">',
    ]);
    expect(html).not.toMatch(/href="(javascript|data|file):/i);
    // The refused ones are still there, as text (escaped).
    expect(html).toContain(
      'javascript:alert(document.cookie) data:text/html,&lt;b&gt;x&lt;/b&gt; file:///etc/passwd',
    );
  });

  it('draws a link text with its hidden characters shown, like any message text', () => {
    const html = chat([msg('a', 'Ann', 'https://example.com/a\u2066b', at(15, 10))]);
    // An isolate inside the address: no link, and the control is a token, not the raw character.
    expect(tags(html, 'message-link')).toEqual([]);
    expect(html).toContain('data-code="U+2066"');
    expect(html).not.toContain('\u2066');
  });

  it('collapses a long message with "show more"; a short one has no button', () => {
    const long = `${'word '.repeat(COLLAPSE_CHARS)}THE END`;
    const html = chat([msg('a', 'Ann', long, at(15, 10)), msg('b', 'Bob', 'short', at(15, 11))]);
    expect(tags(html, 'message-more')).toHaveLength(1);
    expect(html).toContain('aria-expanded="false"');
    expect(html).toContain('>Show more</button>');
    expect(html).not.toContain('THE END');
    expect(count(html, 'data-collapsed="true"')).toBe(1);
  });
});

describe('the chat list', () => {
  const list: ChatListDto = {
    rooms: [],
    mine: [{ uuid: 'm1', name: 'Mine', createdAt: at(15, 8) }],
    hosts: [
      {
        host,
        chats: [
          { uuid: 'c', name: 'Lobby', createdAt: at(15, 1) },
          { uuid: 'q', name: 'Quiet', createdAt: at(15, 9) },
        ],
        fetchedAt: now,
        error: null,
        path: null,
      },
    ],
  };
  const state = (extra: Partial<NanceState> = {}): Partial<NanceState> => ({
    now,
    chats: list,
    activity: { [key]: { read: 7, seen: 4, lastAt: at(15, 11), opened: true, posted: false } },
    previews: { [key]: { name: 'Eve\u202E', content: 'look at\u202Ethis', at: at(15, 11) } },
    ...extra,
  });

  it('shows the unread count, the newest message as a preview, and pins the chat I opened on top', () => {
    const html = renderWith(<ChatList />, () => state());
    const groups = [...html.matchAll(/data-group="([^"]+)"/g)].map((m) => m[1]);
    expect(groups).toEqual(['pinned', 'mine', '192.0.2.7:5000']);
    const lobby = tags(html, 'chat-item').find((t) => t.includes(`data-key="${key}"`));
    expect(lobby).toContain('data-unread="3"');
    expect(lobby).toContain('data-pinned="true"');
    expect(html).toContain('3 unread');
    // The preview is network text: its controls are tokens, never raw characters.
    expect(tags(html, 'chat-preview')).toHaveLength(1);
    expect(html).not.toMatch(/[\u202A-\u202E]/);
    expect(count(html, 'data-code="U+202E"')).toBe(2);
  });

  it('shows no count for the chat that is open', () => {
    const html = renderWith(<ChatList />, () =>
      state({ openChat: { host, chatUuid: 'c', name: 'Lobby', key } }),
    );
    expect(html).not.toContain('data-testid="unread-count"');
    expect(tags(html, 'chat-item').find((t) => t.includes(`data-key="${key}"`))).toContain('data-unread="0"');
  });
});
