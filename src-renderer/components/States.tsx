// Loading and failure screens, and the small inline "loading…" / "nothing here" notes.
import type { ReactNode } from 'react';
import { describeError } from '../lib/errors';
import { useActions, useNance, useT } from '../store/react';
import './States.css';

export function Spinner() {
  return <span className="spinner" aria-hidden="true" />;
}

export function Note({
  children,
  busy = false,
  testId,
}: {
  children: ReactNode;
  busy?: boolean;
  testId?: string;
}) {
  return (
    <div className="note" role="status" data-testid={testId}>
      {busy && <Spinner />}
      <span>{children}</span>
    </div>
  );
}

export function Loading() {
  const t = useT();
  return (
    <div className="screen-center" data-testid="app-loading">
      <Note busy>{t('loading.app')}</Note>
    </div>
  );
}

export function LoadFailed() {
  const t = useT();
  const lang = useNance((s) => s.lang);
  const error = useNance((s) => s.loadError);
  const { init } = useActions();
  const described = error ? describeError(error, lang) : null;
  return (
    <div className="screen-center" data-testid="app-failed">
      <div className="card failed-card" role="alert">
        <h1>{t('loading.failed')}</h1>
        {described && <p>{described.text}</p>}
        {described?.detail && <p className="muted small">{described.detail}</p>}
        <button type="button" className="button-primary" onClick={() => void init()}>
          {t('action.retry')}
        </button>
      </div>
    </div>
  );
}
