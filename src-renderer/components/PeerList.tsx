// Known peers: address, how each is reached, NAT type, role, and when each was first and last seen.
import type { PeerDto } from '../../src-shared/api';
import { endpointKey } from '../../src-shared/endpoint';
import { fullTime, relativeTime } from '../lib/format';
import { natKey } from '../lib/nat';
import { useNance, useT } from '../store/react';
import { PathBadge } from './PathBadge';
import './PeerList.css';
import { Note } from './States';
import { Isolated, VisibleText } from './VisibleText';

/** A known NAT type in the window's language; anything else a peer announced, as sent. */
function NatName({ type }: { type: string }) {
  const t = useT();
  const key = natKey(type);
  return key ? t(key) : <VisibleText text={type} />;
}

export function PeerList({ peers, label }: { peers: PeerDto[] | null; label: string }) {
  const t = useT();
  const lang = useNance((s) => s.lang);
  const now = useNance((s) => s.now);

  if (peers === null) return <Note busy>{t('peers.loading')}</Note>;
  if (peers.length === 0) return <Note testId="peers-empty">{t('peers.empty')}</Note>;
  const sorted = [...peers].sort((a, b) => b.lastSeen - a.lastSeen);
  return (
    <div className="table-wrap">
      <table className="peer-list" data-testid="peer-list" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">{t('peers.address')}</th>
            <th scope="col">{t('peers.path')}</th>
            <th scope="col">{t('peers.nat')}</th>
            <th scope="col">{t('peers.role')}</th>
            <th scope="col">{t('peers.lastSeen')}</th>
            <th scope="col">{t('peers.firstSeen')}</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((p) => (
            <tr key={endpointKey(p)} data-testid="peer-item">
              <td className="mono" dir="ltr">
                <Isolated text={p.host} />:{p.port}
              </td>
              <td>
                <PathBadge path={p.path ?? null} testId="peer-path" />
              </td>
              <td dir="auto">
                <NatName type={p.natType} />
              </td>
              <td>
                <span className={`badge ${p.role === 'bootstrap' ? 'badge-accent' : 'badge-muted'}`}>
                  {t(p.role === 'bootstrap' ? 'role.bootstrap' : 'role.peer')}
                </span>
              </td>
              <td title={fullTime(p.lastSeen, lang)}>{relativeTime(p.lastSeen, now, lang)}</td>
              <td title={fullTime(p.firstSeen, lang)}>{relativeTime(p.firstSeen, now, lang)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
