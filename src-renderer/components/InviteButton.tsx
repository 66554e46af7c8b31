// A private room's Invite button (in the room's header) and its panel: the link, a copy button and
// the link as a QR code. Shows nothing for a public chat.
import QRCode from 'qrcode';
import { useEffect, useId, useState } from 'react';
import type { ChatRef } from '../../src-shared/chat-key';
import { sameEndpoint } from '../../src-shared/endpoint';
import { describeError } from '../lib/errors';
import { useActions, useNance, useT } from '../store/react';
import type { NanceState } from '../store/state';
import './Rooms.css';

function InvitePanel({ chat, onClose }: { chat: ChatRef; onClose: () => void }) {
  const t = useT();
  const lang = useNance((s) => s.lang);
  const { inviteLink } = useActions();
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const ids = useId();

  useEffect(() => {
    let live = true;
    void inviteLink(chat).then((answer) => {
      if (!live) return;
      if ('error' in answer) return setError(describeError(answer.error, lang).text);
      setLink(answer.link);
      // An SVG data: URL (the window's CSP allows data: images; no canvas needed).
      void QRCode.toString(answer.link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }).then(
        (svg) => live && setQr(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`),
      );
    });
    return () => {
      live = false;
    };
  }, [chat, inviteLink, lang]);

  const copy = async () => {
    if (!link) return;
    await navigator.clipboard.writeText(link).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };

  return (
    <section className="invite-panel form-card" data-testid="invite-panel" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>{t('room.inviteTitle')}</h3>
      <p className="muted small">{t('room.inviteHelp')}</p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {link && (
        <>
          <input
            className="invite-link"
            data-testid="invite-link"
            aria-label={t('room.joinLabel')}
            readOnly
            value={link}
            onFocus={(e) => e.currentTarget.select()}
          />
          <div className="form-actions">
            <button
              type="button"
              className="button-primary"
              data-testid="invite-copy"
              onClick={() => void copy()}
            >
              {copied ? t('room.copied') : t('room.copy')}
            </button>
            <button type="button" className="button-secondary" data-testid="invite-close" onClick={onClose}>
              {t('room.close')}
            </button>
          </div>
          {qr && <img className="invite-qr" data-testid="invite-qr" src={qr} alt={t('room.qr')} />}
        </>
      )}
    </section>
  );
}

/** Whether `chat` is one of our private rooms (its posts travel sealed). */
export function isPrivateRoom(s: NanceState, chat: ChatRef): boolean {
  return (s.chats?.rooms ?? []).some(
    (r) =>
      r.chatUuid === chat.chatUuid &&
      (r.host === null ? chat.host === null : chat.host !== null && sameEndpoint(r.host, chat.host)),
  );
}

export function InviteButton({ chat }: { chat: ChatRef }) {
  const t = useT();
  const isRoom = useNance((s) => isPrivateRoom(s, chat));
  const [open, setOpen] = useState(false);
  if (!isRoom) return null;
  return (
    <>
      <button
        type="button"
        className="button-secondary"
        data-testid="invite-button"
        aria-expanded={open}
        title={t('room.lock')}
        onClick={() => setOpen(!open)}
      >
        <span aria-hidden="true">🔒 </span>
        {t('room.invite')}
      </button>
      {open && (
        <div className="invite-popover">
          <InvitePanel chat={chat} onClose={() => setOpen(false)} />
        </div>
      )}
    </>
  );
}
