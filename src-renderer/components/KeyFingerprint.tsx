// A key as a person sees it: its fingerprint in its colour. The colour is set through the CSSOM
// (a custom property), since the CSP allows no style attributes.
import type { IdentityDto } from '../../src-shared/api';
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
