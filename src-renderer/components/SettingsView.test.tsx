// The settings panel, rendered to markup (no DOM needed): the keepalive and relay fields show what
// main runs with, in both languages, with their help lines and stable test ids.
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import type { SettingsDto } from '../../src-shared/api';
import { type Lang, translate } from '../i18n';
import { LANG_KEY } from '../store/prefs';
import { StoreContext } from '../store/react';
import { createNanceStore, type NanceStore } from '../store/store';
import { FakeNanceApi } from '../testing/fake-api';
import { SettingsView } from './SettingsView';

const stores: NanceStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.getState().actions.dispose();
});

const settings: SettingsDto = {
  displayName: 'Aiko',
  bootstrapPeers: ['198.51.100.1:5000'],
  onboarded: true,
  keepaliveSeconds: 45,
  relayForOthers: 'never',
  portMapping: true,
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
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#x27;');

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
