// Settings: display name, identity (./IdentitySection.tsx), bootstrap peers, keepalive, relaying and port mapping (kept by main),
// language and theme (kept by this window), and the peer / bootstrap mode switch.
import { type FormEvent, useId, useState } from 'react';
import type { RelayOffer } from '../../src-shared/api';
import type { MessageKey, Params } from '../i18n';
import {
  checkBootstrapList,
  checkDisplayName,
  checkKeepalive,
  MAX_DISPLAY_NAME,
  MAX_KEEPALIVE_SECONDS,
} from '../lib/validate';
import { isTheme, themes } from '../store/prefs';
import { useActions, useNance, useT } from '../store/react';
import { ModeSwitch } from './ModeSwitch';
import './Forms.css';
import { IdentitySection } from './IdentitySection';
import { LanguageSelect } from './LanguageSelect';
import './Page.css';

type Problem = { key: MessageKey; params?: Params };

const relayOffers: readonly RelayOffer[] = ['auto', 'always', 'never'];
const relayKey: Record<RelayOffer, MessageKey> = {
  auto: 'relay.auto',
  always: 'relay.always',
  never: 'relay.never',
};
const isRelayOffer = (v: string): v is RelayOffer => (relayOffers as readonly string[]).includes(v);

function ProfileForm() {
  const t = useT();
  const settings = useNance((s) => s.settings);
  const saving = useNance((s) => s.busy.savingSettings);
  const { saveSettings } = useActions();
  const [name, setName] = useState(settings?.displayName ?? '');
  const [bootstraps, setBootstraps] = useState((settings?.bootstrapPeers ?? []).join('\n'));
  const [lanDiscovery, setLanDiscovery] = useState(settings?.lanDiscovery ?? true);
  const [keepalive, setKeepalive] = useState(String(settings?.keepaliveSeconds ?? 20));
  const [relay, setRelay] = useState<RelayOffer>(settings?.relayForOthers ?? 'auto');
  const [portMapping, setPortMapping] = useState(settings?.portMapping ?? true);
  const [autoUpdate, setAutoUpdate] = useState(settings?.autoUpdate ?? true);
  // Port mapping is decided at start: after saving a change, say that it waits for a restart.
  const [restartNeeded, setRestartNeeded] = useState(false);
  const [problems, setProblems] = useState<{ name?: Problem; bootstraps?: Problem; keepalive?: Problem }>({});
  const [saved, setSaved] = useState(false);
  const ids = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const checkedName = checkDisplayName(name);
    const checkedList = checkBootstrapList(bootstraps);
    const checkedKeepalive = checkKeepalive(keepalive);
    const found: typeof problems = {};
    if (checkedName.error) found.name = checkedName.error;
    if (checkedList.error) found.bootstraps = checkedList.error;
    if (checkedKeepalive.error) found.keepalive = checkedKeepalive.error;
    setProblems(found);
    setSaved(false);
    if (found.name || found.bootstraps || found.keepalive) return;
    // A refusal from main shows in the error banner, as for every other command.
    const ok = await saveSettings({
      displayName: checkedName.value,
      bootstrapPeers: checkedList.value,
      lanDiscovery,
      keepaliveSeconds: checkedKeepalive.value,
      relayForOthers: relay,
      portMapping,
      autoUpdate,
    });
    if (ok) {
      if (portMapping !== (settings?.portMapping ?? true)) setRestartNeeded(true);
      if (lanDiscovery !== (settings?.lanDiscovery ?? true)) setRestartNeeded(true);
      setBootstraps(checkedList.value.join('\n'));
      setKeepalive(String(checkedKeepalive.value));
      setSaved(true);
    }
  };

  return (
    <form
      className="settings-section"
      aria-labelledby={`${ids}-title`}
      onSubmit={(e) => void submit(e)}
      noValidate
    >
      <h3 id={`${ids}-title`}>{t('settings.profile')}</h3>
      <div className="field">
        <label className="field-label" htmlFor={`${ids}-name`}>
          {t('settings.nameLabel')}
        </label>
        <input
          id={`${ids}-name`}
          data-testid="settings-name"
          aria-label={t('settings.nameLabel')}
          aria-invalid={problems.name ? true : undefined}
          maxLength={MAX_DISPLAY_NAME}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setSaved(false);
          }}
        />
        {problems.name && <span className="field-error">{t(problems.name.key, problems.name.params)}</span>}
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`${ids}-bootstraps`}>
          {t('settings.bootstrapsLabel')}
        </label>
        <textarea
          id={`${ids}-bootstraps`}
          data-testid="settings-bootstraps"
          aria-label={t('settings.bootstrapsLabel')}
          aria-describedby={`${ids}-bootstraps-help`}
          aria-invalid={problems.bootstraps ? true : undefined}
          className="mono"
          rows={3}
          spellCheck={false}
          placeholder="203.0.113.5:5000"
          value={bootstraps}
          onChange={(e) => {
            setBootstraps(e.target.value);
            setSaved(false);
          }}
        />
        {problems.bootstraps && (
          <span className="field-error">{t(problems.bootstraps.key, problems.bootstraps.params)}</span>
        )}
        <span className="field-help" id={`${ids}-bootstraps-help`}>
          {t('settings.bootstrapsHelp')}
        </span>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`${ids}-keepalive`}>
          {t('settings.keepaliveLabel')}
        </label>
        <input
          id={`${ids}-keepalive`}
          data-testid="settings-keepalive"
          className="input-short"
          type="number"
          inputMode="numeric"
          min={0}
          max={MAX_KEEPALIVE_SECONDS}
          step={1}
          aria-label={t('settings.keepaliveLabel')}
          aria-describedby={`${ids}-keepalive-help`}
          aria-invalid={problems.keepalive ? true : undefined}
          value={keepalive}
          onChange={(e) => {
            setKeepalive(e.target.value);
            setSaved(false);
          }}
        />
        {problems.keepalive && (
          <span className="field-error" data-testid="settings-keepalive-error">
            {t(problems.keepalive.key, problems.keepalive.params)}
          </span>
        )}
        <span className="field-help" id={`${ids}-keepalive-help`}>
          {t('settings.keepaliveHelp')}
        </span>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`${ids}-relay`}>
          {t('settings.relayLabel')}
        </label>
        <select
          id={`${ids}-relay`}
          data-testid="settings-relay"
          className="select-auto"
          aria-label={t('settings.relayLabel')}
          aria-describedby={`${ids}-relay-help`}
          value={relay}
          onChange={(e) => {
            if (isRelayOffer(e.target.value)) setRelay(e.target.value);
            setSaved(false);
          }}
        >
          {relayOffers.map((offer) => (
            <option key={offer} value={offer}>
              {t(relayKey[offer])}
            </option>
          ))}
        </select>
        <span className="field-help" id={`${ids}-relay-help`}>
          {t('settings.relayHelp')}
        </span>
      </div>
      <div className="field">
        <div className="field field-inline">
          <input
            id={`${ids}-lan-discovery`}
            data-testid="settings-lan-discovery"
            type="checkbox"
            aria-describedby={`${ids}-lan-discovery-help`}
            checked={lanDiscovery}
            onChange={(e) => {
              setLanDiscovery(e.target.checked);
              setSaved(false);
            }}
          />
          <label className="field-label" htmlFor={`${ids}-lan-discovery`}>
            {t('settings.lanDiscoveryLabel')}
          </label>
        </div>
        <span className="field-help" id={`${ids}-lan-discovery-help`}>
          {t('settings.lanDiscoveryHelp')}
        </span>
      </div>
      <div className="field">
        <div className="field field-inline">
          <input
            id={`${ids}-port-mapping`}
            data-testid="settings-port-mapping"
            type="checkbox"
            aria-describedby={`${ids}-port-mapping-help`}
            checked={portMapping}
            onChange={(e) => {
              setPortMapping(e.target.checked);
              setSaved(false);
            }}
          />
          <label className="field-label" htmlFor={`${ids}-port-mapping`}>
            {t('settings.portMappingLabel')}
          </label>
        </div>
        <span className="field-help" id={`${ids}-port-mapping-help`}>
          {t('settings.portMappingHelp')}
        </span>
        {restartNeeded && (
          <span className="field-help" role="status" data-testid="settings-restart-note">
            {t('settings.restartNote')}
          </span>
        )}
      </div>
      <div className="field">
        <div className="field field-inline">
          <input
            id={`${ids}-auto-update`}
            data-testid="settings-auto-update"
            type="checkbox"
            aria-describedby={`${ids}-auto-update-help`}
            checked={autoUpdate}
            onChange={(e) => {
              setAutoUpdate(e.target.checked);
              setSaved(false);
            }}
          />
          <label className="field-label" htmlFor={`${ids}-auto-update`}>
            {t('settings.autoUpdateLabel')}
          </label>
        </div>
        <span className="field-help" id={`${ids}-auto-update-help`}>
          {t('settings.autoUpdateHelp')}
        </span>
      </div>
      <div className="form-actions">
        <button type="submit" className="button-primary" data-testid="settings-save" disabled={saving}>
          {saving ? t('settings.saving') : t('settings.save')}
        </button>
        {saved && (
          <span className="saved" role="status" data-testid="settings-saved">
            ✓ {t('settings.saved')}
          </span>
        )}
      </div>
    </form>
  );
}

function AppearanceSection() {
  const t = useT();
  const theme = useNance((s) => s.theme);
  const { setTheme } = useActions();
  const ids = useId();
  const themeKey: Record<(typeof themes)[number], MessageKey> = {
    system: 'theme.system',
    light: 'theme.light',
    dark: 'theme.dark',
  };
  return (
    <section className="settings-section" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>{t('settings.appearance')}</h3>
      <LanguageSelect testId="settings-language" />
      <div className="field field-inline">
        <label className="field-label" htmlFor={`${ids}-theme`}>
          {t('settings.theme')}
        </label>
        <select
          id={`${ids}-theme`}
          data-testid="settings-theme"
          aria-label={t('settings.theme')}
          value={theme}
          onChange={(e) => {
            if (isTheme(e.target.value)) setTheme(e.target.value);
          }}
        >
          {themes.map((th) => (
            <option key={th} value={th}>
              {t(themeKey[th])}
            </option>
          ))}
        </select>
      </div>
    </section>
  );
}

function ModeSection() {
  const t = useT();
  const mode = useNance((s) => s.status?.mode ?? 'peer');
  const ids = useId();
  return (
    <section className="settings-section" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>{t('settings.mode')}</h3>
      <p className="muted">{t('settings.modeHelp')}</p>
      <p data-testid="settings-mode-current">
        {t('settings.modeCurrent', { mode: t(mode === 'peer' ? 'mode.peer' : 'mode.bootstrap') })}
      </p>
      <ModeSwitch />
    </section>
  );
}

export function SettingsView() {
  const t = useT();
  return (
    <div className="page settings" data-testid="settings">
      <h2>{t('settings.title')}</h2>
      <ProfileForm />
      <IdentitySection />
      <AppearanceSection />
      <ModeSection />
    </div>
  );
}
