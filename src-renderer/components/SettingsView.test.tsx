// The settings panel, rendered to markup (no DOM needed): the keepalive and relay fields show what
// main runs with, in both languages, with their help lines and stable test ids.
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import type { IdentityDto, SettingsDto } from '../../src-shared/api';
import { type Lang, translate } from '../i18n';
import { LANG_KEY } from '../store/prefs';
import { StoreContext } from '../store/react';
import { createNanceStore, type NanceState, type NanceStore } from '../store/store';
import { FakeNanceApi } from '../testing/fake-api';
import { disposeRendered, renderWith } from '../testing/render';
import { SettingsView } from './SettingsView';

const stores: NanceStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.getState().actions.dispose();
});

const settings: SettingsDto = {
  displayName: 'Aiko',
  bootstrapPeers: ['198.51.100.1:5000'],
  onboarded: true,
  lanDiscovery: true,
  keepaliveSeconds: 45,
  relayForOthers: 'never',
  portMapping: true,
  autoUpdate: true,
};

function render(lang: Lang, over: Partial<SettingsDto> = {}): string {
  const base = createNanceStore(new FakeNanceApi(), {
    prefs: { getItem: (k) => (k === LANG_KEY ? lang : null), setItem: () => {} },
    tickMs: 0,
    listRefreshMs: 0,
  });
  stores.push(base);
  const store = createStore(() => ({ ...base.getState(), settings: { ...settings, ...over } }));
  return renderToStaticMarkup(
    <StoreContext.Provider value={store}>
      <SettingsView />
    </StoreContext.Provider>,
  );
}

/** The opening tag of the element with this test id. */
function tag(html: string, testId: string): string {
  const m = new RegExp(`<[a-z]+[^>]*data-testid="${testId}"[^>]*>`).exec(html);
  if (!m) throw new Error(`no ${testId}`);
  return m[0];
}

const escapeHtml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/'/g, '&#x27;')
    .replace(/"/g, '&quot;');

describe('SettingsView: keepalive and relay for others', () => {
  it.each(['en', 'ja'] as const)('shows the saved values with labels and help (%s)', (lang) => {
    const html = render(lang);
    const keepalive = tag(html, 'settings-keepalive');
    expect(keepalive).toContain('type="number"');
    expect(keepalive).toContain('value="45"');
    expect(keepalive).toContain('min="0"');
    expect(keepalive).toContain('max="3600"');
    expect(keepalive).toContain(`aria-label="${translate(lang, 'settings.keepaliveLabel')}"`);
    expect(tag(html, 'settings-relay')).toContain(`aria-label="${translate(lang, 'settings.relayLabel')}"`);
    expect(html).toMatch(/<option value="never" selected="">/);
    for (const key of [
      'settings.keepaliveHelp',
      'settings.relayHelp',
      'relay.auto',
      'relay.always',
      'relay.never',
    ] as const) {
      expect(html).toContain(escapeHtml(translate(lang, key)));
    }
    expect(html).not.toContain('data-testid="settings-keepalive-error"');
  });

  it('offers the three relay choices in order, "only in bootstrap mode" first', () => {
    const html = render('en', { relayForOthers: 'auto', keepaliveSeconds: 0 });
    const options = [...html.matchAll(/<option value="(auto|always|never)"[^>]*>([^<]*)</g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(options).toEqual([
      ['auto', 'Only in bootstrap mode'],
      ['always', 'Always'],
      ['never', 'Never'],
    ]);
    expect(html).toMatch(/<option value="auto" selected="">/);
    expect(tag(html, 'settings-keepalive')).toContain('value="0"');
  });
});

describe('SettingsView: port mapping', () => {
  it.each(['en', 'ja'] as const)('a checkbox with its label and help, checked when on (%s)', (lang) => {
    const html = render(lang);
    const box = tag(html, 'settings-port-mapping');
    expect(box).toContain('type="checkbox"');
    expect(box).toMatch(/ checked=""/);
    const id = /id="([^"]+)"/.exec(box)?.[1];
    expect(html).toContain(`for="${id}"`);
    expect(html).toContain(escapeHtml(translate(lang, 'settings.portMappingLabel')));
    expect(html).toContain(escapeHtml(translate(lang, 'settings.portMappingHelp')));
    // The restart note shows only after a change is saved.
    expect(html).not.toContain('data-testid="settings-restart-note"');
  });

  it('unchecked when the saved setting is off', () => {
    expect(tag(render('en', { portMapping: false }), 'settings-port-mapping')).not.toMatch(/ checked=""/);
  });

  it('the English wording', () => {
    const html = render('en');
    expect(html).toContain('Ask my router to forward Nance&#x27;s port (UPnP / NAT-PMP)');
    expect(html).toContain(
      'Makes this computer reachable by everyone, like an open port. Takes effect at the next start.',
    );
  });
});

/** Settings shown as one checkbox each: its test id, saved field, and label/help keys. */
const CHECKBOXES = [
  {
    title: 'LAN discovery',
    id: 'settings-lan-discovery',
    field: 'lanDiscovery',
    label: 'settings.lanDiscoveryLabel',
    help: 'settings.lanDiscoveryHelp',
  },
  {
    title: 'update checks',
    id: 'settings-auto-update',
    field: 'autoUpdate',
    label: 'settings.autoUpdateLabel',
    help: 'settings.autoUpdateHelp',
  },
] as const;

describe.each(CHECKBOXES)('SettingsView: $title', ({ id, field, label, help }) => {
  it.each(['en', 'ja'] as const)('a checkbox with its label and help, checked when on (%s)', (lang) => {
    const html = render(lang);
    const box = tag(html, id);
    expect(box).toContain('type="checkbox"');
    expect(box).toMatch(/ checked=""/);
    const boxId = /id="([^"]+)"/.exec(box)?.[1];
    expect(html).toContain(`for="${boxId}"`);
    expect(html).toContain(escapeHtml(translate(lang, label)));
    expect(html).toContain(escapeHtml(translate(lang, help)));
  });

  it('unchecked when the saved setting is off', () => {
    expect(tag(render('en', { [field]: false }), id)).not.toMatch(/ checked=""/);
  });
});

describe('SettingsView: identity', () => {
  afterEach(disposeRendered);

  const identity: IdentityDto = {
    publicKey: 'A'.repeat(43),
    fingerprint: 'k7f3-9qxa-2m4b',
    hue: 137,
    displayName: 'Aiko',
  };
  const withIdentity = (lang: Lang, over: Partial<NanceState> = {}) =>
    renderWith(
      <SettingsView />,
      (api) => ({ settings: { ...api.settings, displayName: 'Aiko' }, identity, ...over }),
      lang,
    );

  it.each(['en', 'ja'] as const)(
    'shows the name and the fingerprint in its colour, and its actions (%s)',
    (lang) => {
      const html = withIdentity(lang);
      expect(html).toContain(escapeHtml(translate(lang, 'identity.title')));
      expect(html).toMatch(/data-testid="identity-name"[^>]*>Aiko</);
      expect(tag(html, 'identity-fingerprint')).toContain('data-hue="137"');
      expect(html).toMatch(/data-testid="identity-fingerprint"[^>]*>.*k7f3-9qxa-2m4b</);
      for (const key of [
        'identity.export',
        'identity.showPhrase',
        'identity.check',
        'identity.exportHelp',
      ] as const) {
        expect(html).toContain(escapeHtml(translate(lang, key)));
      }
      expect(tag(html, 'identity-export-passphrase')).toContain('type="password"');
      expect(tag(html, 'identity-import-file')).toContain('type="file"');
      expect(tag(html, 'identity-import-passphrase')).toContain('type="password"');
    },
  );

  it('keeps the recovery phrase and the replace button hidden until asked', () => {
    const html = withIdentity('en');
    expect(tag(html, 'identity-show-phrase')).toContain('aria-expanded="false"');
    expect(html).not.toContain('data-testid="identity-phrase"');
    expect(html).not.toContain('data-testid="identity-phrase-warning"');
    expect(html).not.toContain('data-testid="identity-import-replace"');
    expect(html).not.toContain('data-testid="identity-import-error"');
    // A typed phrase goes to no spelling or translation service.
    const phraseBox = tag(html, 'identity-import-phrase');
    expect(phraseBox).toMatch(/spellcheck="false"/i);
    expect(phraseBox).toContain('translate="no"');
    expect(phraseBox).toMatch(/autocomplete="off"/i);
  });

  it('says it is loading before the identity is known, and offers nothing to export yet', () => {
    const html = withIdentity('en', { identity: null });
    expect(html).toContain('Loading your identity…');
    expect(html).not.toContain('data-testid="identity-export"');
    expect(html).not.toContain('data-testid="identity-fingerprint"');
  });

  it('an unnamed install shows as Anonymous in the window language', () => {
    const html = renderWith(<SettingsView />, (api) => ({ settings: api.settings, identity }), 'ja');
    expect(html).toMatch(new RegExp(`data-testid="identity-name"[^>]*>${translate('ja', 'anonymous')}<`));
  });
});
