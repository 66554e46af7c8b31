// The language switch (used in Settings and on the first-run screen).
import { useId } from 'react';
import { isLang, languages } from '../i18n';
import { useActions, useNance, useT } from '../store/react';

export function LanguageSelect({ testId }: { testId: string }) {
  const t = useT();
  const lang = useNance((s) => s.lang);
  const { setLang } = useActions();
  const id = useId();
  return (
    <div className="field field-inline">
      <label className="field-label" htmlFor={id}>
        {t('settings.language')}
      </label>
      <select
        id={id}
        data-testid={testId}
        aria-label={t('settings.language')}
        value={lang}
        onChange={(e) => {
          if (isLang(e.target.value)) setLang(e.target.value);
        }}
      >
        {languages.map((l) => (
          <option key={l} value={l}>
            {t(l === 'ja' ? 'lang.ja' : 'lang.en')}
          </option>
        ))}
      </select>
    </div>
  );
}
