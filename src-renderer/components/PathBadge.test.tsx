// The path badge in the chat list and the peers panel, rendered to markup (no DOM needed): words in
// both languages, a tooltip, stable test ids, and nothing while the path is not known.
import type { ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import type { ChatListDto, PathDto, PeerDto } from '../../src-shared/api';
import type { Lang } from '../i18n';
import { pathWords } from '../lib/path';
import { LANG_KEY } from '../store/prefs';
import { StoreContext } from '../store/react';
import { createNanceStore, type NanceState, type NanceStore } from '../store/store';
import { FakeNanceApi } from '../testing/fake-api';
import { ChatList } from './ChatList';
import { PathBadge } from './PathBadge';
import { PeerList } from './PeerList';

const stores: NanceStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.getState().actions.dispose();
});

/** A store in `lang` whose initial state (what a server render reads) has `extra` in it. */
function storeWith(lang: Lang, extra: Partial<NanceState> = {}): NanceStore {
  const base = createNanceStore(new FakeNanceApi(), {
    prefs: { getItem: (k) => (k === LANG_KEY ? lang : null), setItem: () => {} },
    tickMs: 0,
    listRefreshMs: 0,
  });
  stores.push(base);
  return createStore<NanceState>()(() => ({ ...base.getState(), ...extra }));
}

function render(node: ReactNode, lang: Lang = 'en', extra: Partial<NanceState> = {}): string {
  return renderToStaticMarkup(
    <StoreContext.Provider value={storeWith(lang, extra)}>{node}</StoreContext.Provider>,
  );
}

const relayed: PathDto = { kind: 'relayed', via: '198.51.100.10:3490', actual: null, family: 'ipv4' };
const direct: PathDto = { kind: 'direct', via: null, actual: null, family: 'ipv4' };

describe('path words', () => {
  it('says every kind, with the relay and the punched address where known', () => {
    expect(pathWords(direct).label.key).toBe('path.direct');
    expect(pathWords({ kind: 'mapped', via: null, actual: null, family: 'ipv4' }).label.key).toBe(
      'path.mapped',
    );
    expect(pathWords({ kind: 'punched', via: null, actual: null, family: 'ipv4' }).help.key).toBe(
      'path.punchedHelp',
    );
    expect(
      pathWords({ kind: 'punched', via: null, actual: '203.0.113.9:61000', family: 'ipv4' }).help,
    ).toEqual({
      key: 'path.punchedActualHelp',
      params: { actual: '203.0.113.9:61000' },
    });
    expect(pathWords(relayed).label).toEqual({ key: 'path.relayed', params: { via: '198.51.100.10:3490' } });
    expect(pathWords({ kind: 'relayed', via: null, actual: null, family: 'ipv4' }).label.key).toBe(
      'path.relayedUnknown',
    );
  });
});

describe('PathBadge', () => {
  it('shows the path in words with a tooltip, in English and Japanese', () => {
    const en = render(<PathBadge path={relayed} testId="host-path" />);
    expect(en).toContain('data-testid="host-path"');
    expect(en).toContain('data-path="relayed"');
    expect(en).toContain('>relayed via 198.51.100.10:3490 · IPv4</span>');
    expect(en).toMatch(
      /title="relayed: this peer cannot be reached directly from here; [^"]*198\.51\.100\.10:3490/,
    );

    const ja = render(<PathBadge path={relayed} testId="host-path" />, 'ja');
    expect(ja).toContain('>198.51.100.10:3490 経由で中継 · IPv4</span>');
    expect(ja).toContain('title="中継: ');

    expect(render(<PathBadge path={direct} testId="peer-path" />)).toContain('>direct · IPv4</span>');
    expect(
      render(<PathBadge path={{ kind: 'punched', via: null, actual: null, family: 'ipv4' }} testId="x" />),
    ).toContain('>hole punched · IPv4</span>');
    expect(
      render(
        <PathBadge path={{ kind: 'mapped', via: null, actual: null, family: 'ipv4' }} testId="x" />,
        'ja',
      ),
    ).toContain('>ポートマッピング · IPv4</span>');
  });

  it('says the family: a direct IPv6 path names the IPv6 address it goes to', () => {
    const v6: PathDto = { kind: 'direct', via: null, actual: '[2001:db8::7]:4000', family: 'ipv6' };
    const en = render(<PathBadge path={v6} testId="x" />);
    expect(en).toContain('data-family="ipv6"');
    expect(en).toContain('>direct · IPv6</span>');
    expect(en).toMatch(/title="direct over IPv6: [^"]*\[2001:db8::7\]:4000/);
    expect(render(<PathBadge path={v6} testId="x" />, 'ja')).toContain('>直接 · IPv6</span>');
  });

  it('shows nothing while the path is not known', () => {
    expect(render(<PathBadge path={null} testId="host-path" />)).toBe('');
  });
});

describe('where the badge appears', () => {
  const peer = (host: string, path: PathDto | null): PeerDto => ({
    host,
    port: 5000,
    natType: 'Full Cone',
    role: 'peer',
    firstSeen: 1,
    lastSeen: 2,
    path,
  });

  it('next to each host in the chat list, never next to my chats', () => {
    const chats: ChatListDto = {
      rooms: [],
      mine: [{ uuid: 'm', name: 'Mine', createdAt: 1 }],
      hosts: [
        {
          host: { host: '192.0.2.1', port: 5000 },
          chats: [{ uuid: 'a', name: 'A', createdAt: 3 }],
          fetchedAt: Date.now(),
          error: null,
          path: direct,
        },
        {
          host: { host: '192.0.2.2', port: 5000 },
          chats: [{ uuid: 'b', name: 'B', createdAt: 2 }],
          fetchedAt: Date.now(),
          error: null,
          path: null,
        },
      ],
    };
    const html = render(<ChatList />, 'en', { chats, now: Date.now() });
    const badges = [...html.matchAll(/data-testid="host-path" data-path="(\w+)"/g)].map((m) => m[1]);
    expect(badges).toEqual(['direct']);
    const group = html
      .split('data-testid="chat-group"')
      .find((g) => g.includes('data-group="192.0.2.1:5000"'));
    expect(group).toContain('data-testid="host-path"');
  });

  it('in a column of the peers panel', () => {
    const html = render(
      <PeerList peers={[peer('192.0.2.1', relayed), peer('192.0.2.2', null)]} label="Peers" />,
    );
    expect(html).toContain('<th scope="col">Path</th>');
    expect([...html.matchAll(/data-testid="peer-path" data-path="(\w+)"/g)].map((m) => m[1])).toEqual([
      'relayed',
    ]);
    expect(html.match(/data-testid="peer-item"/g)).toHaveLength(2);
  });
});
