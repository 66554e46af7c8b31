// First run: a display name and the bootstrap peer to join through (or skip both for now).
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { isHostPort } from '../../src-shared/endpoint';
import type { MessageKey, Params } from '../i18n';
import { checkDisplayName, MAX_DISPLAY_NAME } from '../lib/validate';
import { useActions, useNance, useT } from '../store/react';
import './Forms.css';
import { LanguageSelect } from './LanguageSelect';

type Problem = { key: MessageKey; params?: Params };

export function Onboarding() {
  const t = useT();
  const settings = useNance((s) => s.settings);
  const saving = useNance((s) => s.busy.savingSettings);
  const { finishOnboarding, skipOnboarding } = useActions();
  const [name, setName] = useState(settings?.displayName ?? '');
  const [bootstrap, setBootstrap] = useState(settings?.bootstrapPeers[0] ?? '');
  const [problems, setProblems] = useState<{ name?: Problem; bootstrap?: Problem }>({});
  const nameRef = useRef<HTMLInputElement>(null);
  const ids = useId();

  useEffect(() => nameRef.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const checked = checkDisplayName(name);
    const address = bootstrap.trim();
    const found: typeof problems = {};
    if (checked.error) found.name = checked.error;
    if (address !== '' && !isHostPort(address)) found.bootstrap = { key: 'validation.hostPort' };
    setProblems(found);
    if (found.name || found.bootstrap) return;
    await finishOnboarding(checked.value, address === '' ? null : address);
  };

  return (
    <div className="screen-scroll">
      <form
        className="form-card onboarding"
        data-testid="onboarding"
        aria-labelledby={`${ids}-title`}
        onSubmit={(e) => void submit(e)}
        noValidate
      >
        <div className="onboarding-head">
          <h1 id={`${ids}-title`}>{t('onboarding.title')}</h1>
          <LanguageSelect testId="onboarding-language" />
        </div>
        <p>{t('onboarding.intro')}</p>

        <div className="field">
          <label className="field-label" htmlFor={`${ids}-name`}>
            {t('onboarding.nameLabel')}
          </label>
          <input
            id={`${ids}-name`}
            ref={nameRef}
            data-testid="onboarding-name"
            aria-label={t('onboarding.nameLabel')}
            aria-describedby={`${ids}-name-help`}
            aria-invalid={problems.name ? true : undefined}
            autoComplete="nickname"
            maxLength={MAX_DISPLAY_NAME}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <span className="field-help" id={`${ids}-name-help`}>
            {problems.name ? (
              <span className="field-error">{t(problems.name.key, problems.name.params)}</span>
            ) : (
              t('onboarding.nameHelp')
            )}
          </span>
        </div>

        <div className="field">
          <label className="field-label" htmlFor={`${ids}-bootstrap`}>
            {t('onboarding.bootstrapLabel')}
          </label>
          <input
            id={`${ids}-bootstrap`}
            data-testid="onboarding-bootstrap"
            aria-label={t('onboarding.bootstrapLabel')}
            aria-describedby={`${ids}-bootstrap-help`}
            aria-invalid={problems.bootstrap ? true : undefined}
            className="mono"
            inputMode="url"
            spellCheck={false}
            placeholder={t('onboarding.bootstrapPlaceholder')}
            value={bootstrap}
            onChange={(e) => setBootstrap(e.target.value)}
          />
          {problems.bootstrap && (
            <span className="field-error">{t(problems.bootstrap.key, problems.bootstrap.params)}</span>
          )}
          <span className="field-help" id={`${ids}-bootstrap-help`}>
            {t('onboarding.bootstrapHelp')}
          </span>
        </div>

        <div className="form-actions">
          <button type="submit" className="button-primary" data-testid="onboarding-submit" disabled={saving}>
            {saving ? t('onboarding.saving') : t('onboarding.submit')}
          </button>
          <button
            type="button"
            className="button-secondary"
            data-testid="onboarding-skip"
            disabled={saving}
            onClick={() => void skipOnboarding()}
          >
            {t('onboarding.skip')}
          </button>
        </div>
        <p className="muted small">{t('onboarding.skipHelp')}</p>
      </form>
    </div>
  );
}
