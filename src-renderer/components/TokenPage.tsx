// What a browser window shows when the web host will not take it: opened without the access
// token, or holding one from before the host restarted. Only a new link helps, so it says where
// to find one instead of "reconnecting…".
import { useNance, useT } from '../store/react';

export function TokenPage() {
  const t = useT();
  const connection = useNance((s) => s.connection);
  return (
    <div className="screen-center" data-testid="token-page" data-reason={connection}>
      <section className="card failed-card" aria-labelledby="token-title">
        <h1 id="token-title">{t('token.title')}</h1>
        <p>{connection === 'no-token' ? t('token.missing') : t('token.stale')}</p>
      </section>
    </div>
  );
}
