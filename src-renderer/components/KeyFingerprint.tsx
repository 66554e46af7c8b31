// A key as a person sees it: its fingerprint in its colour; and mine in the status bar. The colour is set through the CSSOM
// (a custom property), since the CSP allows no style attributes.
import { useEffect } from 'react';
import type { IdentityDto } from '../../src-shared/api';
import { useActions, useNance, useT } from '../store/react';
import './KeyFingerprint.css';

export function KeyFingerprint({
  identity,
  testId,
}: {
  identity: Pick<IdentityDto, 'fingerprint' | 'hue'>;
  testId?: string;
}) {
  return (
    <span
      className="key-fingerprint mono"
      data-testid={testId}
      data-hue={identity.hue}
      translate="no"
      ref={(el) => el?.style.setProperty('--key-hue', String(identity.hue))}
    >
      <span className="key-swatch" aria-hidden="true" />
      {identity.fingerprint}
    </span>
  );
}

/** The status bar's item: my fingerprint (loaded once if Settings has not yet). */
export function MyFingerprint() {
  const t = useT();
  const identity = useNance((s) => s.identity);
  const { loadIdentity } = useActions();
  useEffect(() => {
    if (!identity) void loadIdentity();
  }, [identity, loadIdentity]);
  if (!identity) return null;
  return (
    <span className="status-item" data-testid="status-identity" title={t('status.identityHelp')}>
      {t('status.identity')} <KeyFingerprint identity={identity} />
    </span>
  );
}
