// Every chat this window knows: the ones I opened or posted in (pinned), mine, then each host's,
// most recently active first, each with its unread count and the newest message read, with a
// filter box. Arrow keys move between chats (one Tab stop for the whole list), Enter opens one.
import { type KeyboardEvent, memo, useRef } from 'react';
import { endpointKey } from '../../src-shared/endpoint';
import { type ChatEntry, type ChatGroup, groupChats, type HostHealth, hostHealth } from '../lib/chat-groups';
import { fullTime, relativeTime } from '../lib/format';
import { useActions, useNance, useNanceStore, useT } from '../store/react';
import type { NanceState } from '../store/store';
import './ChatList.css';
import { RelativeTime, useClockText } from './ClockText';
import { askNotificationPermissionOnce } from './notifications';
import { PathBadge } from './PathBadge';
import { RoomList } from './RoomList';
import { Note } from './States';
import { Isolated, Sentence, VisibleText } from './VisibleText';

function HealthBadge({ health }: { health: HostHealth }) {
  const t = useT();
  const lang = useNance((s) => s.lang);
  const fetchedAt = health.kind === 'stale' || health.kind === 'unreachable' ? health.fetchedAt : null;
  const age = useClockText((now, lang) => (fetchedAt === null ? '' : relativeTime(fetchedAt, now, lang)));
  switch (health.kind) {
    case 'fresh':
      return null;
    case 'pending':
      return <span className="badge badge-muted">{t('chats.neverFetched')}</span>;
    case 'stale':
      return (
        <span className="badge badge-warn" data-testid="host-stale" title={fullTime(health.fetchedAt, lang)}>
          {t('chats.stale', { age })}
        </span>
      );
    case 'unreachable':
      return (
        <span className="badge badge-error" data-testid="host-unreachable">
          {health.fetchedAt === null ? t('chats.unreachableNever') : t('chats.unreachable', { age })}
        </span>
      );
  }
}

function Created({ at }: { at: number }) {
  const t = useT();
  const time = useClockText((now, lang) => relativeTime(at, now, lang));
  return t('chats.created', { time });
}

/**
 * Rows and groups are memoised on their data: the list is read again on every sync round and
 * rebuilt each time, mostly equal, and only what changed should render again.
 */
function sameData<P extends object>(a: P, b: P): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The newest message read in the chat, "Name: text", on one line; else when the chat was made. */
function EntryPreview({ entry }: { entry: ChatEntry }) {
  const lang = useNance((s) => s.lang);
  const preview = useNance((s) => s.previews[entry.key]);
  if (!preview) {
    return (
      <span className="chat-item-meta" title={fullTime(entry.chat.createdAt, lang)}>
        <Created at={entry.chat.createdAt} />
      </span>
    );
  }
  return (
    <span className="chat-item-preview" data-testid="chat-preview">
      <bdi className="chat-item-preview-author">
        <VisibleText text={preview.name} />
      </bdi>
      {': '}
      <bdi>
        <VisibleText text={preview.content.slice(0, 200)} mode="body" />
      </bdi>
    </span>
  );
}

const Entry = memo(function Entry({
  entry,
  showHost,
  tabStop,
}: {
  entry: ChatEntry;
  showHost: boolean;
  tabStop: string | null;
}) {
  const t = useT();
  const lang = useNance((s) => s.lang);
  const openKey = useNance((s) => s.openChat?.key ?? null);
  const { openChat } = useActions();
  const unread = entry.key === openKey ? 0 : entry.unread;
  return (
    <button
      type="button"
      className={`chat-item${unread > 0 ? ' chat-item-unread' : ''}`}
      data-testid="chat-item"
      data-key={entry.key}
      data-chat-uuid={entry.chat.uuid}
      data-unread={unread}
      data-pinned={entry.pinned ? 'true' : undefined}
      aria-current={entry.key === openKey ? 'true' : undefined}
      tabIndex={entry.key === tabStop ? 0 : -1}
      onClick={() => {
        askNotificationPermissionOnce();
        openChat({
          host: entry.host,
          ...(entry.hostKey === undefined ? {} : { hostKey: entry.hostKey }),
          chatUuid: entry.chat.uuid,
          name: entry.chat.name,
        });
      }}
    >
      <span className="chat-item-top">
        <span className="chat-item-name" dir="auto">
          <VisibleText text={entry.chat.name} />
        </span>
        <span className="chat-item-time" title={fullTime(entry.activeAt, lang)}>
          <RelativeTime at={entry.activeAt} />
        </span>
      </span>
      <span className="chat-item-bottom">
        <EntryPreview entry={entry} />
        {unread > 0 && (
          <span
            className="unread-badge"
            data-testid="unread-count"
            title={t('chats.unread', { count: unread })}
          >
            <span aria-hidden="true">{unread > 99 ? '99+' : unread}</span>
            <span className="visually-hidden">{t('chats.unread', { count: unread })}</span>
          </span>
        )}
      </span>
      {showHost && entry.host && (
        <span className="chat-item-meta">
          <Sentence k="chats.onHost" params={{ host: <Isolated text={endpointKey(entry.host)} /> }} />
        </span>
      )}
    </button>
  );
}, sameData);

const Group = memo(function Group({ group, tabStop }: { group: ChatGroup; tabStop: string | null }) {
  const t = useT();
  const headingId = `group-${group.id.replace(/[^A-Za-z0-9]/g, '-')}`;
  const pinned = group.id === 'pinned';
  const title = pinned ? (
    t('chats.pinned')
  ) : group.host ? (
    <Sentence k="chats.hostGroup" params={{ host: <Isolated text={endpointKey(group.host)} /> }} />
  ) : (
    t('chats.mine')
  );

  return (
    <section
      className={`chat-group${pinned ? ' chat-group-pinned' : ''}`}
      aria-labelledby={headingId}
      data-testid="chat-group"
      data-group={group.id}
    >
      <header className="chat-group-header">
        <h3 id={headingId}>{title}</h3>
        <PathBadge path={group.path} testId="host-path" />
        <HealthBadge health={group.health} />
      </header>
      {group.entries.length === 0 ? (
        !group.allPinned && (
          <p className="chat-group-empty">{group.host ? t('chats.hostEmpty') : t('chats.mineEmpty')}</p>
        )
      ) : (
        <ul>
          {group.entries.map((entry) => (
            <li key={entry.key}>
              <Entry entry={entry} showHost={pinned} tabStop={tabStop} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}, sameData);

/** The hosts whose list is stale at the store's clock, as one string (equal while nothing turns stale). */
function staleHosts(s: NanceState): string {
  const stale = (s.chats?.hosts ?? []).filter(
    (h) => hostHealth(h.fetchedAt, h.error, s.now).kind === 'stale',
  );
  return stale.map((h) => endpointKey(h.host)).join(' ');
}

export function ChatList() {
  const t = useT();
  const chats = useNance((s) => s.chats);
  const activity = useNance((s) => s.activity);
  const filter = useNance((s) => s.filter);
  // The clock changes the groups only when a host's list turns stale: render again then, not every tick.
  useNance(staleHosts);
  const now = useNanceStore().getState().now;
  const openKey = useNance((s) => s.openChat?.key ?? null);
  const refreshing = useNance((s) => s.busy.refreshing);
  const { setFilter, showNewChat, refreshChats } = useActions();
  const listRef = useRef<HTMLDivElement>(null);

  const groups = chats ? groupChats(chats, filter, now, activity) : [];
  const entries = groups.flatMap((g) => g.entries);
  const tabStop = entries.find((e) => e.key === openKey)?.key ?? entries[0]?.key ?? null;

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
    const items = Array.from(
      listRef.current?.querySelectorAll<HTMLButtonElement>('[data-testid="chat-item"]') ?? [],
    );
    if (items.length === 0) return;
    const index = items.indexOf(document.activeElement as HTMLButtonElement);
    if (index === -1 && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) return;
    e.preventDefault();
    let next = index;
    if (e.key === 'ArrowDown') next = Math.min(items.length - 1, index + 1);
    if (e.key === 'ArrowUp') next = Math.max(0, index - 1);
    if (e.key === 'Home') next = 0;
    if (e.key === 'End') next = items.length - 1;
    items[next]?.focus();
  };

  return (
    <aside className="chat-sidebar" aria-label={t('chats.listLabel')}>
      <div className="chat-sidebar-tools">
        <button type="button" className="button-primary" data-testid="new-chat" onClick={showNewChat}>
          + {t('chats.new')}
        </button>
        <button
          type="button"
          className="button-secondary"
          data-testid="refresh-chats"
          title={t('chats.refreshLabel')}
          disabled={refreshing}
          onClick={() => void refreshChats()}
        >
          {refreshing ? t('chats.refreshing') : `⟳ ${t('chats.refresh')}`}
        </button>
      </div>
      <input
        type="search"
        className="chat-filter"
        data-testid="chat-filter"
        aria-label={t('chats.filterLabel')}
        placeholder={t('chats.filterPlaceholder')}
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && filter !== '') {
            e.preventDefault();
            setFilter('');
          } else if (e.key === 'ArrowDown') {
            e.preventDefault();
            listRef.current?.querySelector<HTMLButtonElement>('[data-testid="chat-item"]')?.focus();
          }
        }}
      />
      <RoomList />
      {/* biome-ignore lint/a11y/noStaticElementInteractions: arrow keys move focus between the buttons inside */}
      <div className="chat-list" data-testid="chat-list" ref={listRef} onKeyDown={onKeyDown}>
        {chats === null ? (
          <Note busy testId="chats-loading">
            {t('chats.loading')}
          </Note>
        ) : entries.length === 0 && filter.trim() !== '' ? (
          <Note testId="chats-empty">{t('chats.noMatch', { filter: filter.trim() })}</Note>
        ) : (
          <>
            {entries.length === 0 && <Note testId="chats-empty">{t('chats.empty')}</Note>}
            {groups
              .filter((g) => entries.length > 0 || (g.host !== null && g.id !== 'pinned'))
              .map((g) => (
                <Group key={g.id} group={g} tabStop={tabStop} />
              ))}
          </>
        )}
      </div>
    </aside>
  );
}
