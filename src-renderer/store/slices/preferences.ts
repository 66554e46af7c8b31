// Preferences: the settings kept by main (display name, bootstrap peers, traversal) and the ones
// kept on this device (language, theme), and onboarding.
import type { SettingsDto } from '../../../src-shared/api';
import { translate } from '../../i18n';
import { LANG_KEY, type PrefsStorage, THEME_KEY, type Theme, write } from '../prefs';
import type { Actions, NanceState } from '../state';
import type { SliceContext } from './context';

type PreferenceActions = Pick<
  Actions,
  'saveSettings' | 'restartToUpdate' | 'finishOnboarding' | 'skipOnboarding' | 'setLang' | 'setTheme'
>;

/** The name my posts carry: the display name, or "Anonymous" in the window's language. */
export function authorName({ settings, lang }: Pick<NanceState, 'settings' | 'lang'>): string {
  return settings?.displayName.trim() || translate(lang, 'anonymous');
}

export function preferencesSlice(
  { api, set, fail, clearErrorOf, setBusy }: SliceContext,
  storage: PrefsStorage | null,
  prefs: { lang: NanceState['lang']; theme: Theme },
  loadStatus: () => Promise<unknown>,
): { initial: Pick<NanceState, 'settings' | 'lang' | 'theme'>; actions: PreferenceActions } {
  const actions: PreferenceActions = {
    async saveSettings(changes) {
      setBusy({ savingSettings: true });
      const reply = await api.call('updateSettings', changes);
      setBusy({ savingSettings: false });
      if (!reply.ok) {
        fail('updateSettings', reply.error);
        return false;
      }
      set({ settings: reply.result });
      clearErrorOf('updateSettings');
      void loadStatus();
      return true;
    },

    async restartToUpdate() {
      const reply = await api.call('restartToUpdate', {});
      if (!reply.ok) fail('restartToUpdate', reply.error);
      return reply.ok && reply.result;
    },

    finishOnboarding(displayName, bootstrap) {
      const changes: Partial<SettingsDto> = { displayName: displayName.trim(), onboarded: true };
      if (bootstrap) changes.bootstrapPeers = [bootstrap.trim()];
      return actions.saveSettings(changes);
    },

    skipOnboarding() {
      return actions.saveSettings({ onboarded: true });
    },

    setLang(lang) {
      write(storage, LANG_KEY, lang);
      set({ lang });
    },

    setTheme(theme) {
      write(storage, THEME_KEY, theme);
      set({ theme });
    },
  };
  return { initial: { settings: null, lang: prefs.lang, theme: prefs.theme }, actions };
}
