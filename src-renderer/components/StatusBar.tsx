// The bottom line: my NAT type and addresses (IPv4, and IPv6 when measured), the router's port mapping, each bootstrap's state,
// peers, my key's fingerprint, the wipe countdown.
import type { BootstrapStateDto, PortMappingDto } from '../../src-shared/api';
import { endpointKey } from '../../src-shared/endpoint';
import type { MessageKey } from '../i18n';
import { countdown, fullTime } from '../lib/format';
import { natKey } from '../lib/nat';
import { useNance, useT } from '../store/react';
import { MyFingerprint } from './KeyFingerprint';
import './StatusBar.css';

const stateKey: Record<BootstrapStateDto, MessageKey> = {
  unknown: 'bootstrapState.unknown',
  registered: 'bootstrapState.registered',
  unreachable: 'bootstrapState.unreachable',
  refused: 'bootstrapState.refused',
  'client-only': 'bootstrapState.clientOnly',
};

const methodName: Record<PortMappingDto['method'], string> = { 'nat-pmp': 'NAT-PMP', upnp: 'UPnP' };

/** The one part of the bar that follows the clock (a leaf, so a tick renders nothing else). */
function WipeCountdown({ at }: { at: number }) {
  const t = useT();
  const left = useNance((s) => at - s.now);
  return left > 0 ? t('status.wipeIn', { time: countdown(left) }) : t('status.wipeNow');
}

export function StatusBar() {
  const t = useT();
  const lang = useNance((s) => s.lang);
  const status = useNance((s) => s.status);
  // The Peers tab's own list when loaded (one count on screen), else the status's.
  const peerCount = useNance((s) => s.peers?.length ?? s.status?.peerCount ?? 0);
  if (!status)
    return <section className="status-bar" data-testid="status-bar" aria-label={t('status.label')} />;

  return (
    <section className="status-bar" data-testid="status-bar" aria-label={t('status.label')}>
      <span className="status-item" data-testid="status-nat">
        {t('status.nat', { nat: t(natKey(status.natType) ?? 'nat.unknown') })}
      </span>
      <span className="status-item" data-testid="status-public">
        {status.publicAddress
          ? t('status.public', { address: endpointKey(status.publicAddress) })
          : t('status.publicUnknown')}
      </span>
      {status.ipv6 && (
        <span className="status-item" data-testid="status-ipv6">
          {status.ipv6.publicAddress
            ? t('status.ipv6', {
                nat: t(natKey(status.ipv6.natType) ?? 'nat.unknown'),
                address: endpointKey(status.ipv6.publicAddress),
              })
            : t('status.ipv6Unknown', { nat: t(natKey(status.ipv6.natType) ?? 'nat.unknown') })}
        </span>
      )}
      {status.portMapping && (
        <span className="status-item" data-testid="status-port-mapping">
          {t('status.portMapped', {
            address: endpointKey(status.portMapping.external),
            method: methodName[status.portMapping.method] ?? status.portMapping.method,
          })}
        </span>
      )}
      <span className="status-item status-optional">{t('status.local', { port: status.udp.port })}</span>
      <span className="status-item" data-testid="status-bootstraps">
        {status.bootstraps.length === 0 ? (
          t('status.noBootstrap')
        ) : (
          <>
            {t('status.bootstraps')}
            {status.bootstraps.map((b) => (
              <span key={b.address} className="bootstrap-state" data-state={b.state}>
                <span className={`dot dot-${b.state}`} aria-hidden="true" />
                <span className="mono">{b.address}</span> {t(stateKey[b.state] ?? 'bootstrapState.unknown')}
              </span>
            ))}
          </>
        )}
      </span>
      <span className="status-item status-optional">{t('status.peers', { count: peerCount })}</span>
      <span className="status-spacer" />
      <MyFingerprint />
      <span className="status-item" data-testid="wipe-countdown" title={fullTime(status.nextWipeAt, lang)}>
        <WipeCountdown at={status.nextWipeAt} />
      </span>
    </section>
  );
}
