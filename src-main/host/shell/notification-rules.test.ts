import { describe, expect, it } from 'vitest';
import type { ChatListDto, ChatReadDto, CommandName, CommandReply } from '../../../src-shared/api.js';
import { type ChatRef, chatKey } from '../../../src-shared/chat-key.js';
import { ChatActivity, NotifyThrottle, notificationText, shouldNotify } from './notification-rules.js';

const remote = { host: '192.0.2.7', port: 7000 };
const mine: ChatRef = { host: null, chatUuid: 'a' };
const theirs: ChatRef = { host: remote, chatUuid: 'b' };
const other: ChatRef = { host: null, chatUuid: 'c' };

const ok = <T>(result: T) => ({ ok: true, result }) as CommandReply<CommandName>;
const failed = { ok: false, error: { kind: 'timeout', message: 'x' } } as CommandReply<CommandName>;
/** A poll's reply when the chat has `n` messages: with a cursor, only the newest come back. */
const messages = (n: number): ChatReadDto => ({
  messages:
    n > 0 ? [{ uuid: `m${n}`, name: 'n', content: 'c', createdAt: n, author: null, mine: false }] : [],
  lastSeq: n,
  full: false,
});

describe('shouldNotify', () => {
  const none = new Set<string>();

  it('the open chat: only when the window is not focused', () => {
    expect(shouldNotify({ event: mine, openChat: mine, postedIn: none, windowFocused: false })).toBe(true);
    expect(shouldNotify({ event: mine, openChat: mine, postedIn: none, windowFocused: true })).toBe(false);
    // Posting there does not change that: the person sees it.
    const posted = new Set([chatKey(mine)]);
    expect(shouldNotify({ event: mine, openChat: mine, postedIn: posted, windowFocused: true })).toBe(false);
  });

  it('a chat posted in that is not open: also with the window focused', () => {
    const posted = new Set([chatKey(theirs)]);
    for (const windowFocused of [true, false]) {
      expect(shouldNotify({ event: theirs, openChat: other, postedIn: posted, windowFocused })).toBe(true);
      expect(shouldNotify({ event: theirs, openChat: null, postedIn: posted, windowFocused })).toBe(true);
    }
  });

  it('never for a chat neither open nor posted in', () => {
    for (const windowFocused of [true, false]) {
      expect(
        shouldNotify({ event: other, openChat: mine, postedIn: new Set([chatKey(mine)]), windowFocused }),
      ).toBe(false);
      expect(shouldNotify({ event: other, openChat: null, postedIn: none, windowFocused })).toBe(false);
    }
  });

  it('is the same rule for hosted and remote chats', () => {
    expect(shouldNotify({ event: theirs, openChat: theirs, postedIn: none, windowFocused: false })).toBe(
      true,
    );
    // Same uuid on another host is another chat.
    const elsewhere = { host: { host: '192.0.2.8', port: 7000 }, chatUuid: 'b' };
    expect(shouldNotify({ event: elsewhere, openChat: theirs, postedIn: none, windowFocused: false })).toBe(
      false,
    );
  });
});

describe('notificationText', () => {
  it('names the chat in either language', () => {
    expect(notificationText({ lang: 'en', chatName: 'Lunch' })).toEqual({
      title: 'Nance',
      body: 'New message in “\u2068Lunch\u2069”',
    });
    expect(notificationText({ lang: 'ja', chatName: 'ランチ' })).toEqual({
      title: 'Nance',
      body: '「\u2068ランチ\u2069」に新しいメッセージ',
    });
  });

  it('without a (non-blank) name says "a chat"', () => {
    expect(notificationText({ lang: 'en' }).body).toBe('New message in a chat');
    expect(notificationText({ lang: 'en', chatName: '   ' }).body).toBe('New message in a chat');
    expect(notificationText({ lang: 'ja' }).body).toBe('チャットに新しいメッセージ');
  });

  it('shortens long names to 60 characters (not splitting a character)', () => {
    const body = notificationText({ lang: 'en', chatName: '😀'.repeat(100) }).body;
    expect(body).toBe(`New message in “\u2068${'😀'.repeat(59)}…\u2069”`);
  });

  it('a name cannot reorder the sentence or hide characters: isolated, controls shown as marks', () => {
    const body = notificationText({ lang: 'en', chatName: 'Lunch\u202Egnp.exe\u200B' }).body;
    expect(body).toBe('New message in “\u2068Lunch⟨RLO⟩gnp.exe⟨ZWSP⟩\u2069”');
    expect(body).not.toMatch(/[\u202A-\u202E\u200B]/);
  });
});

describe('ChatActivity', () => {
  it('the last chat read is the open one; a failed read still counts (the window shows it)', () => {
    const a = new ChatActivity();
    expect(a.openChat).toBeNull();
    a.commandStarted('readChat', mine);
    expect(a.openChat).toEqual(mine);
    a.commandStarted('readChat', theirs);
    a.commandFinished('readChat', theirs, failed);
    expect(a.openChat).toEqual(theirs);
  });

  it('a background read for the chat list (watch) is not the open chat, and still reports a chat that grew', () => {
    const a = new ChatActivity();
    a.commandStarted('readChat', mine);
    const watch = { ...theirs, watch: true };
    a.commandStarted('readChat', watch);
    expect(a.openChat).toEqual(mine);
    a.commandFinished('readChat', watch, ok(messages(2)));
    a.commandStarted('readChat', watch);
    expect(a.commandFinished('readChat', watch, ok(messages(3)))).toEqual([theirs]);
    expect(a.openChat).toEqual(mine);
  });

  it('posted in: successful posts and created chats only', () => {
    const a = new ChatActivity();
    const post = { ...theirs, name: 'me', content: 'hi' };
    a.commandStarted('postMessage', post);
    a.commandFinished('postMessage', post, failed);
    expect(a.postedIn.has(chatKey(theirs))).toBe(false);
    a.commandStarted('postMessage', post);
    a.commandFinished('postMessage', post, ok(null));
    expect(a.postedIn.has(chatKey(theirs))).toBe(true);
    a.commandFinished('createChat', {}, ok({ uuid: 'new', name: 'New chat', createdAt: 1 }));
    expect(a.postedIn.has(chatKey({ host: null, chatUuid: 'new' }))).toBe(true);
    expect(a.chatName({ host: null, chatUuid: 'new' })).toBe('New chat');
  });

  it('an own post is in flight between its start and its reply', () => {
    const a = new ChatActivity();
    const post = { ...mine, name: 'me', content: 'hi' };
    a.commandStarted('postMessage', post);
    a.commandStarted('postMessage', post);
    expect(a.isOwnPostInFlight(mine)).toBe(true);
    a.commandFinished('postMessage', post, ok(null));
    expect(a.isOwnPostInFlight(mine)).toBe(true);
    a.commandFinished('postMessage', post, failed);
    expect(a.isOwnPostInFlight(mine)).toBe(false);
  });

  it('learns chat names from chat lists', () => {
    const a = new ChatActivity();
    const list: ChatListDto = {
      mine: [{ uuid: 'a', name: 'Mine', createdAt: 1 }],
      hosts: [
        {
          host: remote,
          chats: [{ uuid: 'b', name: 'Theirs', createdAt: 1 }],
          fetchedAt: 1,
          error: null,
          path: null,
        },
      ],
      rooms: [],
    };
    a.commandFinished('listChats', {}, ok(list));
    expect(a.chatName(mine)).toBe('Mine');
    expect(a.chatName(theirs)).toBe('Theirs');
    expect(a.chatName(other)).toBeUndefined();
  });

  it('a poll of a remote chat that grew reports it; the first read is only a baseline', () => {
    const a = new ChatActivity();
    const read = (n: number) => {
      a.commandStarted('readChat', theirs);
      return a.commandFinished('readChat', theirs, ok(messages(n)));
    };
    expect(read(3)).toEqual([]);
    expect(read(3)).toEqual([]);
    expect(read(5)).toEqual([theirs]);
    expect(read(5)).toEqual([]);
    expect(read(0)).toEqual([]); // the daily wipe
  });

  it("the user's own posts in a remote chat are not news", () => {
    const a = new ChatActivity();
    const post = { ...theirs, name: 'me', content: 'hi' };
    const read = (n: number) => a.commandFinished('readChat', theirs, ok(messages(n)));
    read(3);
    a.commandStarted('postMessage', post);
    a.commandFinished('postMessage', post, ok(null));
    expect(read(4)).toEqual([]); // only mine
    a.commandStarted('postMessage', post);
    a.commandFinished('postMessage', post, ok(null));
    expect(read(6)).toEqual([theirs]); // mine and one more
    // A read that comes back while a post is still on its way may already contain it.
    a.commandStarted('postMessage', post);
    expect(read(7)).toEqual([]);
    a.commandFinished('postMessage', post, ok(null));
    expect(read(7)).toEqual([]);
  });

  it('hosted chats are never reported by polls (they have the message event)', () => {
    const a = new ChatActivity();
    a.commandFinished('readChat', mine, ok(messages(1)));
    expect(a.commandFinished('readChat', mine, ok(messages(9)))).toEqual([]);
  });

  it('ignores other commands and arguments it cannot read', () => {
    const a = new ChatActivity();
    expect(a.commandFinished('getStatus', {}, ok({}))).toEqual([]);
    a.commandStarted('readChat', { chatUuid: 5 });
    a.commandStarted('readChat', { host: 'x', chatUuid: 'a' });
    a.commandStarted('postMessage', null);
    expect(a.openChat).toBeNull();
    expect(a.commandFinished('postMessage', null, ok(null))).toEqual([]);
    expect(a.postedIn.size).toBe(0);
  });
});

describe('NotifyThrottle', () => {
  it('one notification per chat per interval', () => {
    const t = new NotifyThrottle(10_000);
    expect(t.allow('self/a', 0)).toBe(true);
    expect(t.allow('self/a', 9_999)).toBe(false);
    expect(t.allow('self/b', 5_000)).toBe(true);
    expect(t.allow('self/a', 10_000)).toBe(true);
    expect(t.allow('self/a', 10_001)).toBe(false);
  });
});
