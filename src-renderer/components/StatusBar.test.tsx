// The status bar, rendered to markup (no DOM needed): the router's mapping of our port shows only
// when the running peer has one, in both languages.
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusDto } from '../../src-shared/api';
import type { Lang } from '../i18n';
import { disposeRendered, renderWith } from '../testing/render';
import { StatusBar } from './StatusBar';

afterEach(disposeRendered);

function render(lang: Lang, over: Partial<StatusDto> = {}): string {
  return renderWith(<StatusBar />, (api) => ({ status: { ...api.status, ...over } }), lang);
}

const mapped = { method: 'nat-pmp', external: { host: '198.51.100.25', port: 40000 } } as const;

describe('StatusBar: port mapping', () => {
  it('shows nothing about it when no mapping was made', () => {
    expect(render('en')).not.toContain('data-testid="status-port-mapping"');
  });

  it('shows the mapped endpoint and the method', () => {
    expect(render('en', { portMapping: mapped })).toContain('Port mapped: 198.51.100.25:40000 (NAT-PMP)');
    expect(render('en', { portMapping: { ...mapped, method: 'upnp' } })).toContain(
      'Port mapped: 198.51.100.25:40000 (UPnP)',
    );
    expect(render('ja', { portMapping: mapped })).toContain('ポート転送中: 198.51.100.25:40000（NAT-PMP）');
  });
});

describe('StatusBar: my fingerprint', () => {
  const identity = { publicKey: 'A'.repeat(43), fingerprint: 'k7f3-9qxa-2m4b', hue: 12, displayName: '' };

  it.each(['en', 'ja'] as const)('shows it, in its colour, once the identity is known (%s)', (lang) => {
    const html = renderWith(<StatusBar />, (api) => ({ status: api.status, identity }), lang);
    expect(html).toMatch(/data-testid="status-identity"[^>]*>[^<]*<span[^>]*data-hue="12"/);
    expect(html).toContain('k7f3-9qxa-2m4b');
  });

  it('shows nothing of it before', () => {
    expect(render('en')).not.toContain('data-testid="status-identity"');
  });
});

describe('StatusBar: IPv6 (discovery per family)', () => {
  const ipv6 = { natType: 'Open Internet', publicAddress: { host: '2001:db8:3::10', port: 5000 } };

  it('shows nothing about it without a measured IPv6 side', () => {
    expect(render('en')).not.toContain('data-testid="status-ipv6"');
  });

  it('shows the IPv6 NAT type and where the IPv6 internet sees us, beside the IPv4 ones', () => {
    const en = render('en', { ipv6 });
    expect(en).toContain('IPv6: Open Internet (no NAT) at [2001:db8:3::10]:5000');
    expect(en).toContain('NAT: Full Cone');
    expect(render('ja', { ipv6 })).toContain('IPv6: ');
    expect(render('ja', { ipv6 })).toContain('（[2001:db8:3::10]:5000）');
    expect(render('en', { ipv6: { natType: 'Blocked', publicAddress: null } })).toContain(
      'IPv6: Blocked, address unknown',
    );
  });
});
