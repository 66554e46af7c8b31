// What the open chat's header and notice say about it: live, its host offline (since when), its
// host in bootstrap mode, or deleted by the daily wipe; and the countdown to the wipe. Failures
// are one calm notice in the window's language (the technical detail only in its tooltip).
import type { CommandError } from '../../src-shared/api';
import { endpointKey } from '../../src-shared/endpoint';
import { describeError } from '../lib/errors';
import { countdown, fullTime, messageTime } from '../lib/format';
import { useNance, useT } from '../store/react';
import type { OpenChat } from '../store/state';
import './ChatState.css';

export type ChatCondition =
  | { kind: 'live' }
  | { kind: 'offline'; since: number | null }
  | { kind: 'wiped' }
  | { kind: 'host-bootstrap' }
  | { kind: 'failed' };

/** The open chat's condition, from its last read and what the chat list knows of its host. */
export function chatCondition(
  open: OpenChat,
  error: CommandError | null,
  hostOfflineSince: number | null,
): ChatCondition {
  if (error?.kind === 'not-found') return { kind: 'wiped' };
  if (error?.kind === 'host-bootstrap') return { kind: 'host-bootstrap' };
  if (open.host && (error?.kind === 'timeout' || hostOfflineSince !== null))
    return { kind: 'offline', since: hostOfflineSince };
  return error ? { kind: 'failed' } : { kind: 'live' };
}

export function useChatCondition(open: OpenChat): ChatCondition {
  const error = useNance((s) => (s.messages?.key === open.key ? s.messages.error : null));
  const since = useNance((s) => {
    if (!open.host) return null;
    const key = endpointKey(open.host);
    const host = s.chats?.hosts.find((h) => endpointKey(h.host) === key);
    return host?.error ? (host.offlineSince ?? host.fetchedAt ?? null) : null;
  });
  return chatCondition(open, error, since);
}

/**
 * How a readable chat's new messages arrive, as the header says it (and its tooltip): by event (a
 * chat of ours), pushed by its host, or polled (a base host, or before the push subscription).
 */
const DELIVERY = {
  event: { text: 'chat.live', help: null },
  pushed: { text: 'chat.livePushed', help: 'chat.livePushedHelp' },
  polled: { text: 'chat.polled', help: 'chat.polledHelp' },
} as const;

/** The header's short line: "● Live · pushed by the host · wiped in 3:12:09", "Offline since 14:02", … */
export function ChatStateLine({ open }: { open: OpenChat }) {
  const t = useT();
  const lang = useNance((s) => s.lang);
  const now = useNance((s) => s.now);
  const nextWipeAt = useNance((s) => s.status?.nextWipeAt ?? null);
  const pushed = useNance((s) => s.messages?.key === open.key && s.messages.live === true);
  const condition = useChatCondition(open);
  const delivery: keyof typeof DELIVERY = open.host === null ? 'event' : pushed ? 'pushed' : 'polled';
  let text: string;
  let help: string | undefined;
  switch (condition.kind) {
    case 'live': {
      const said = DELIVERY[delivery];
      text = t(said.text);
      help = said.help === null ? undefined : t(said.help);
      break;
    }
    case 'offline':
      text =
        condition.since === null
          ? t('chat.offline')
          : t('chat.offlineSince', { time: messageTime(condition.since, now, lang) });
      break;
    case 'wiped':
      text = t('chat.wiped');
      break;
    case 'host-bootstrap':
      text = t('chat.hostBootstrap');
      break;
    case 'failed':
      text = t('chat.offline');
      break;
  }
  return (
    <span
      className="chat-state"
      data-testid="chat-state"
      data-condition={condition.kind}
      {...(condition.kind === 'live' ? { 'data-delivery': delivery } : {})}
    >
      <span className={`live-dot live-dot-${condition.kind}`} aria-hidden="true" />
      <span title={help}>{text}</span>
      {condition.kind !== 'wiped' && nextWipeAt !== null && (
        <span className="chat-wipe-in" data-testid="chat-wipe-in" title={fullTime(nextWipeAt, lang)}>
          {' · '}
          {t('chat.wipeIn', { time: countdown(nextWipeAt - now) })}
        </span>
      )}
    </span>
  );
}

/** One calm line under the header when the chat cannot be read right now. */
export function ChatNotice({ open }: { open: OpenChat }) {
  const t = useT();
  const lang = useNance((s) => s.lang);
  const error = useNance((s) => (s.messages?.key === open.key ? s.messages.error : null));
  const condition = useChatCondition(open);
  if (condition.kind === 'live' || condition.kind === 'wiped') return null;
  const described = error ? describeError(error, lang) : null;
  const text =
    condition.kind === 'offline' ? t('chat.offlineNotice') : (described?.text ?? t('chat.offlineNotice'));
  return (
    <p
      className="chat-notice"
      role="status"
      data-testid="chat-notice"
      data-kind={error?.kind ?? condition.kind}
      title={described?.detail || undefined}
    >
      {text}
    </p>
  );
}

/** What replaces the messages of a chat the daily wipe deleted: one line. */
export function WipedMarker({ name }: { name: string }) {
  const t = useT();
  return (
    <p className="chat-wiped-marker" role="status" data-testid="chat-wiped">
      {t('wipe.doneOpen', { name })}
    </p>
  );
}
