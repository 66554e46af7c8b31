// The private rooms this peer created or joined, apart from the public chats, each with a lock;
// and the form that joins one by its invite link.
import { type FormEvent, useId, useState } from 'react';
import type { CommandError, RoomDto } from '../../src-shared/api';
import { chatKey } from '../../src-shared/chat-key';
import { endpointKey } from '../../src-shared/endpoint';
import { describeError } from '../lib/errors';
import { useActions, useNance, useT } from '../store/react';
import './Rooms.css';
import { VisibleText } from './VisibleText';

function JoinRoomForm({ onDone }: { onDone: () => void }) {
  const t = useT();
  const lang = useNance((s) => s.lang);
  const { joinRoom } = useActions();
  const [link, setLink] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const ids = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || link.trim() === '') return;
    setBusy(true);
    const failure = await joinRoom(link.trim());
    setBusy(false);
    setError(failure);
    if (!failure) onDone();
  };

  return (
    <form className="join-room" data-testid="join-room-form" onSubmit={(e) => void submit(e)} noValidate>
      <label className="field">
        <span className="field-label">{t('room.joinLabel')}</span>
        <input
          data-testid="join-room-link"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${ids}-error` : undefined}
          placeholder={t('room.joinPlaceholder')}
          spellCheck={false}
          autoComplete="off"
          value={link}
          onChange={(e) => setLink(e.target.value)}
        />
      </label>
      {error && (
        <p className="field-error" id={`${ids}-error`} role="alert" data-testid="join-room-error">
          {describeError(error, lang).text}
        </p>
      )}
      <button type="submit" className="button-secondary" data-testid="join-room-submit" disabled={busy}>
        {busy ? t('room.joining') : t('room.joinSubmit')}
      </button>
    </form>
  );
}

/** One empty list for every render: a selector must not return a new array each time (a render loop). */
const NO_ROOMS: readonly RoomDto[] = [];

export function RoomList() {
  const t = useT();
  const rooms = useNance((s) => s.chats?.rooms ?? NO_ROOMS);
  const filter = useNance((s) => s.filter.trim().toLowerCase());
  const openKey = useNance((s) => s.openChat?.key ?? null);
  const { openChat } = useActions();
  const [joining, setJoining] = useState(false);
  const shown = rooms.filter((r) => filter === '' || r.title.toLowerCase().includes(filter));

  return (
    <section className="chat-group room-group" aria-labelledby="room-group-title" data-testid="room-group">
      <header className="chat-group-header">
        <h3 id="room-group-title">
          <span aria-hidden="true">🔒 </span>
          {t('room.listTitle')}
        </h3>
        <button
          type="button"
          className="button-quiet small"
          data-testid="join-room"
          aria-expanded={joining}
          onClick={() => setJoining(!joining)}
        >
          {t('room.join')}
        </button>
      </header>
      {joining && <JoinRoomForm onDone={() => setJoining(false)} />}
      {shown.length === 0 ? (
        <p className="chat-group-empty">{t('room.empty')}</p>
      ) : (
        <ul>
          {shown.map((room) => {
            const key = chatKey(room);
            return (
              <li key={key}>
                <button
                  type="button"
                  className="chat-item"
                  data-testid="room-item"
                  data-key={key}
                  data-chat-uuid={room.chatUuid}
                  aria-current={key === openKey ? 'true' : undefined}
                  onClick={() => openChat({ host: room.host, chatUuid: room.chatUuid, name: room.title })}
                >
                  <span className="chat-item-name" dir="auto">
                    <span className="room-lock" role="img" aria-label={t('room.lock')}>
                      🔒
                    </span>{' '}
                    <VisibleText text={room.title} />
                  </span>
                  <span className="chat-item-meta">
                    {room.host ? t('room.hostRemote', { host: endpointKey(room.host) }) : t('room.hostMine')}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
