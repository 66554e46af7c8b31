// The chat experience rendered to markup over a real store: the composer's byte limit before Send,
// the open chat's state line (offline since, wiped, host in bootstrap mode, wipe countdown), pending
// posts, the wipe notices, the status bar agreeing with the Peers tab, NAT types in Japanese.
import { afterEach, describe, expect, it } from 'vitest';
import type { HostChatsDto, PeerDto } from '../../src-shared/api';
import { chatKey } from '../../src-shared/chat-key';
import type { Lang } from '../i18n';
import type { NanceState, OpenChat } from '../store/state';
import { disposeRendered, renderWith } from '../testing/render';
import { ChatStateLine } from './ChatState';
import { ChatView } from './ChatView';
import { Composer } from './Composer';
import { StatusBar } from './StatusBar';
import { WipeNotice } from './WipeNotice';

afterEach(disposeRendered);

const host = { host: '192.0.2.10', port: 5000 };
const open: OpenChat = { host, chatUuid: 'c-1', name: 'Lunch', key: chatKey({ host, chatUuid: 'c-1' }) };
const NOW = 1_700_000_000_000;

function chatWith(patch: Partial<NanceState>, lang: Lang = 'en'): string {
  return renderWith(
    <ChatView />,
    (api) => ({
      status: { ...api.status, nextWipeAt: NOW + 3 * 3_600_000 },
      now: NOW,
      openChat: open,
      messages: { key: open.key, items: [], lastSeq: 0, loading: false, error: null },
      ...patch,
    }),
    lang,
  );
}

const offlineHost = (offlineSince: number): HostChatsDto => ({
  host,
  chats: [{ uuid: 'c-1', name: 'Lunch', createdAt: 1 }],
  fetchedAt: offlineSince - 60_000,
  error: 'timeout',
  offlineSince,
  path: null,
});

describe('composer limit in bytes', () => {
  const compose = (text: string, lang: Lang = 'en') =>
    renderWith(
      <Composer chat={open} stick={{ current: true }} disabled={false} />,
      () => ({ drafts: { [open.key]: text } }),
      lang,
    );

  it('refuses a Japanese message of 17,000 characters before Send, saying how far over it is', () => {
    const html = compose('あ'.repeat(17_000));
    expect(html).toMatch(/data-testid="message-submit" disabled=""/);
    expect(html).toMatch(/\d[\d,]* bytes too long for one message/);
    expect(html).toContain('aria-invalid="true"');
    expect(compose('あ'.repeat(17_000), 'ja')).toMatch(/バイト長すぎます/);
  });

  it('takes 30,000 ASCII characters (which the old 40,000-character count also took) and shows no count', () => {
    const html = compose('a'.repeat(30_000));
    expect(html).not.toMatch(/data-testid="message-submit" disabled/);
    expect(html).toContain('Posting as');
  });

  it('refuses more than the contract’s 40,000 characters even where the bytes would fit', () => {
    const html = compose('a'.repeat(40_001));
    expect(html).toMatch(/data-testid="message-submit" disabled=""/);
    expect(html).toContain('Use at most 40000 characters.');
  });

  it('shows the bytes left near the limit', () => {
    expect(compose('あ'.repeat(15_500))).toMatch(/\d[\d,]* bytes left/);
  });

  it('starts from the chat’s kept draft', () => {
    expect(compose('half a thought')).toContain('>half a thought</textarea>');
  });
});

describe('the open chat’s state', () => {
  it('says Live with the wipe countdown while the host answers', () => {
    const html = chatWith({});
    expect(html).toContain('data-condition="live"');
    expect(html).toContain('Wiped in 3:00:00');
    expect(html).not.toContain('data-testid="chat-notice"');
  });

  it('a host gone offline: "Offline since …" in the header and one calm notice, no code', () => {
    const html = chatWith({
      chats: { rooms: [], mine: [], hosts: [offlineHost(NOW - 5 * 60_000)] },
      messages: {
        key: open.key,
        items: [
          { uuid: 'm1', name: 'Bo', content: 'still readable', createdAt: 1, author: null, mine: false },
        ],
        lastSeq: 1,
        loading: false,
        error: { kind: 'timeout', message: 'read chat at 192.0.2.10:5000 (code 90)', code: 90 },
      },
    });
    expect(html).toContain('data-condition="offline"');
    expect(html).toContain('Offline since');
    expect(html).not.toContain('Live');
    expect(html).toContain('data-testid="chat-notice"');
    expect(html).toContain('still readable');
    expect(html).not.toMatch(/>[^<]*code 90/); // only in a tooltip
    expect(html).not.toContain('role="alert"');
  });

  it('a wiped chat: its messages leave the screen for one line, the composer is off', () => {
    const html = chatWith({
      messages: {
        key: open.key,
        items: [{ uuid: 'm1', name: 'Bo', content: 'gone now', createdAt: 1, author: null, mine: false }],
        lastSeq: 1,
        loading: false,
        error: { kind: 'not-found', message: 'gone', code: 10 },
      },
    });
    expect(html).toContain('data-testid="chat-wiped"');
    expect(html).toContain('“Lunch” was deleted by the daily wipe.');
    expect(html).not.toContain('gone now');
    expect(html).toContain('data-condition="wiped"');
    expect(html).toMatch(/data-testid="message-input"[^>]*disabled/);
  });

  it('a host in bootstrap mode says exactly that', () => {
    const html = chatWith({
      messages: {
        key: open.key,
        items: null,
        lastSeq: 0,
        loading: false,
        error: { kind: 'host-bootstrap', message: 'x' },
      },
    });
    expect(html).toContain('data-condition="host-bootstrap"');
    expect(html).toContain('switched to bootstrap mode');
    expect(html).not.toContain('different version');
  });

  it('lists the chat’s pending posts with Cancel, and only this chat’s', () => {
    const pending = (chatUuid: string, content: string) => ({
      id: `p-${content}`,
      host,
      chatUuid,
      name: 'Aiko',
      content,
      queuedAt: NOW,
      failed: null,
    });
    const html = chatWith({ outbox: [pending('c-1', 'mine here'), pending('c-2', 'other chat')] });
    expect(html).toContain('mine here');
    expect(html).not.toContain('other chat');
    expect(html).toContain('Waiting for the host');
    expect(html).toContain('data-testid="pending-cancel"');
  });

  it('renders the state line in Japanese', () => {
    const html = renderWith(
      <ChatStateLine open={open} />,
      (api) => ({
        status: api.status,
        now: NOW,
        chats: { rooms: [], mine: [], hosts: [offlineHost(NOW - 60_000)] },
      }),
      'ja',
    );
    expect(html).toContain('からオフライン');
  });
});

describe('the daily wipe as an event', () => {
  const notice = (nextWipeAt: number, lastWipe: NanceState['lastWipe'] = null) =>
    renderWith(<WipeNotice />, (api) => ({ status: { ...api.status, nextWipeAt }, now: NOW, lastWipe }));

  it('warns in the last ten minutes, not before', () => {
    expect(notice(NOW + 11 * 60_000)).toBe('');
    expect(notice(NOW + 9 * 60_000)).toContain('The daily wipe deletes every chat in 0:09:00.');
  });

  it('says how many chats it took, for ten minutes after', () => {
    const next = NOW + 86_400_000;
    expect(notice(next, { at: NOW - 60_000, chats: 4 })).toContain('The daily wipe deleted 4 chats.');
    expect(notice(next, { at: NOW - 11 * 60_000, chats: 4 })).toBe('');
  });
});

describe('status bar', () => {
  const peer = (port: number): PeerDto => ({
    host: '192.0.2.5',
    port,
    natType: 'Port Restricted Cone',
    role: 'peer',
    firstSeen: 1,
    lastSeen: 2,
    path: null,
  });

  it('counts the peers the Peers tab lists', () => {
    const html = renderWith(<StatusBar />, (api) => ({
      status: { ...api.status, peerCount: 3 },
      peers: [peer(1), peer(2), peer(3), peer(4)],
    }));
    expect(html).toContain('Peers: 4');
  });

  it('names the NAT type in Japanese', () => {
    const html = renderWith(
      <StatusBar />,
      (api) => ({ status: { ...api.status, natType: 'Full Cone' } }),
      'ja',
    );
    expect(html).toContain('NAT: フルコーン');
    expect(html).not.toContain('Full Cone');
  });
});
