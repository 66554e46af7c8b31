// Brand, the three views, and the mode indicator.
import type { MessageKey } from '../i18n';
import { useActions, useNance, useT } from '../store/react';
import type { View } from '../store/store';
import './TopBar.css';

const tabs: { view: View; label: MessageKey }[] = [
  { view: 'chats', label: 'nav.chats' },
  { view: 'peers', label: 'nav.peers' },
  { view: 'settings', label: 'nav.settings' },
];

export function TopBar() {
  const t = useT();
  const view = useNance((s) => s.view);
  const mode = useNance((s) => s.status?.mode ?? null);
  const ready = useNance(
    (s) => s.phase === 'ready' && (s.settings?.onboarded || s.status?.mode === 'bootstrap'),
  );
  const { setView } = useActions();

  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand-name">{t('app.title')}</span>
        <span className="brand-tagline">{t('app.tagline')}</span>
      </div>
      {ready && (
        <nav className="tabs" aria-label={t('nav.label')}>
          {tabs.map((tab) => (
            <button
              key={tab.view}
              type="button"
              className="tab"
              data-testid={`nav-${tab.view}`}
              aria-current={view === tab.view ? 'page' : undefined}
              onClick={() => setView(tab.view)}
            >
              {tab.view === 'chats' && mode === 'bootstrap' ? t('bootstrap.title') : t(tab.label)}
            </button>
          ))}
        </nav>
      )}
      {mode && (
        <span className={`mode-indicator mode-${mode}`} data-testid="mode-indicator" data-mode={mode}>
          {t(mode === 'bootstrap' ? 'mode.bootstrap' : 'mode.peer')}
        </span>
      )}
    </header>
  );
}
