// Bootstrap mode: no chats here, only the peers that registered and a little activity.

import { relativeTime } from '../lib/format';
import { useActions, useNance, useT } from '../store/react';
import { PeerList } from './PeerList';
import './Page.css';

const ACTIVE_WINDOW_MS = 5 * 60_000;

export function BootstrapPanel() {
  const t = useT();
  const lang = useNance((s) => s.lang);
  const now = useNance((s) => s.now);
  const peers = useNance((s) => s.peers);
  const { setView } = useActions();

  const active = peers?.filter((p) => now - p.lastSeen < ACTIVE_WINDOW_MS).length ?? 0;
  const latest = peers?.reduce((n, p) => Math.max(n, p.firstSeen), 0) ?? 0;

  return (
    <div className="page" data-testid="bootstrap-panel">
      <h2>{t('bootstrap.title')}</h2>
      <div className="callout" data-testid="bootstrap-explain">
        <p>{t('bootstrap.explain')}</p>
        <button type="button" className="button-secondary" onClick={() => setView('settings')}>
          {t('bootstrap.openSettings')}
        </button>
      </div>
      <h3>{t('bootstrap.traffic')}</h3>
      <dl className="stats" data-testid="bootstrap-stats">
        <div className="stat">
          <dt>{t('bootstrap.registered')}</dt>
          <dd data-testid="stat-registered">{peers?.length ?? '…'}</dd>
        </div>
        <div className="stat">
          <dt>{t('bootstrap.active')}</dt>
          <dd>{peers ? active : '…'}</dd>
        </div>
        <div className="stat">
          <dt>{t('bootstrap.latest')}</dt>
          <dd>{latest > 0 ? relativeTime(latest, now, lang) : t('bootstrap.none')}</dd>
        </div>
      </dl>
      <h3>{t('bootstrap.registered')}</h3>
      <PeerList peers={peers} label={t('bootstrap.registered')} />
    </div>
  );
}
