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
