// The banners under the top bar: the link to the main side is down, the peer cannot write to its
// storage, and the last action failed.
import { useEffect, useRef } from 'react';
import { describeError } from '../lib/errors';
import { useActions, useNance, useT } from '../store/react';
import './Banners.css';

export function ConnectionBanner() {
  const t = useT();
  const connection = useNance((s) => s.connection);
  if (connection !== 'reconnecting') return null;
  return (
    <div className="banner banner-warning" role="status" data-testid="connection-banner">
      <span className="spinner" aria-hidden="true" />
      {t('connection.lost')}
    </div>
  );
}

/** Shown while the store refuses writes (a full disk): the peer keeps serving what it has. */
export function StorageBanner() {
  const t = useT();
  const problem = useNance((s) => (s.status && !s.status.storage.ok ? s.status.storage.problem : null));
  if (!problem) return null;
  return (
    <div className="banner banner-warning" role="alert" data-testid="storage-banner" data-problem={problem}>
      {t(`storage.${problem}`)}
    </div>
  );
}

/** A newer version (desktop app): restart into it, or, where the app cannot update itself, a link. */
export function UpdateBanner() {
  const t = useT();
  const update = useNance((s) => s.status?.update ?? null);
  const { restartToUpdate } = useActions();
  if (!update) return null;
  const { version, action, releaseUrl } = update;
  return (
    <div className="banner banner-info" role="status" data-testid="update-banner" data-action={action}>
      {action === 'restart' ? t('update.restart', { version }) : t('update.download', { version })}{' '}
      {action === 'restart' ? (
        <button
          type="button"
          className="button-quiet"
          data-testid="update-restart"
          onClick={() => void restartToUpdate()}
        >
          {t('update.restartButton')}
        </button>
      ) : (
        releaseUrl && (
          // Opens like any link in the window: the desktop asks, then hands it to the browser.
          <a href={releaseUrl} target="_blank" rel="noopener noreferrer" data-testid="update-download">
            {t('update.downloadLink')}
          </a>
        )
      )}
    </div>
  );
}

export function ErrorBanner() {
  const t = useT();
  const lang = useNance((s) => s.lang);
  const error = useNance((s) => s.error);
  const { dismissError } = useActions();
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!error) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented && ref.current?.contains(document.activeElement)) {
        dismissError();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [error, dismissError]);

  if (!error) return null;
  const { text, detail } = describeError(error.error, lang);
  return (
    <div
      ref={ref}
      className="banner banner-error"
      role="alert"
      data-testid="error-banner"
      data-kind={error.error.kind}
    >
      {/* The technical detail (English, with the protocol code) only as a tooltip: the line is for people. */}
      <div className="banner-text" title={detail || undefined}>
        <p className="banner-main">{text}</p>
      </div>
      <button type="button" className="button-quiet" onClick={dismissError} aria-label={t('error.dismiss')}>
        ✕
      </button>
    </div>
  );
}
