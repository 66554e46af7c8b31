// The Peers view: every peer this one knows.
import { useNance, useT } from '../store/react';
import { PeerList } from './PeerList';
import './Page.css';

export function PeersView() {
  const t = useT();
  const peers = useNance((s) => s.peers);
  return (
    <div className="page" data-testid="peers-view">
      <h2>{t('peers.title')}</h2>
      <PeerList peers={peers} label={t('peers.title')} />
    </div>
  );
}
