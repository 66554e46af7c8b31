// Switching this peer's mode, after a confirmation that says what changes (bootstrap mode turns
// every chat off: the ones hosted here go dark for everyone).
import { useState } from 'react';
import { useActions, useNance, useT } from '../store/react';

export function ModeSwitch() {
  const t = useT();
  const mode = useNance((s) => s.status?.mode ?? 'peer');
  const switching = useNance((s) => s.busy.switchingMode);
  const { setMode } = useActions();
  const [asking, setAsking] = useState(false);
  const other = mode === 'peer' ? 'bootstrap' : 'peer';

  if (asking) {
    return (
      <div
        className="mode-confirm"
        role="alertdialog"
        aria-labelledby="mode-confirm-text"
        data-testid="mode-confirm"
      >
        <p id="mode-confirm-text">
          {t(other === 'bootstrap' ? 'mode.confirmBootstrap' : 'mode.confirmPeer')}
        </p>
        <div className="form-actions">
          <button
            type="button"
            className="button-primary"
            data-testid="mode-confirm-yes"
            disabled={switching}
            // biome-ignore lint/a11y/noAutofocus: the confirmation takes focus so Enter / Escape act on it
            autoFocus
            onClick={async () => {
              await setMode(other);
              setAsking(false);
            }}
          >
            {switching ? t('settings.switching') : t('mode.confirm')}
          </button>
          <button
            type="button"
            className="button-secondary"
            data-testid="mode-confirm-no"
            onClick={() => setAsking(false)}
          >
            {t('mode.cancel')}
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="form-actions">
      <button
        type="button"
        className="button-secondary"
        data-testid="settings-mode-switch"
        data-target-mode={other}
        disabled={switching}
        onClick={() => setAsking(true)}
      >
        {t(other === 'bootstrap' ? 'settings.toBootstrap' : 'settings.toPeer')}
      </button>
    </div>
  );
}
