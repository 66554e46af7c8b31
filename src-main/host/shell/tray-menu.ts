// The tray menu as plain data: what it shows for a given state. The Electron wiring turns each item
// into a MenuItem and attaches the click handler for its `id`.
import type { Mode } from '../../../src-shared/api.js';

export type Lang = 'ja' | 'en';

export type TrayItemId = 'toggle-window' | 'restart-to-update' | 'bootstrap-mode' | 'quit';

export interface MenuItemSpec {
  type: 'normal' | 'checkbox' | 'separator';
  /** Absent on separators. */
  id?: TrayItemId;
  label?: string;
  /** Only on checkboxes. */
  checked?: boolean;
}

export interface TrayState {
  windowVisible: boolean;
  mode: Mode;
  lang: Lang;
  /** A downloaded update's version: the menu offers "Restart to update". */
  updateReady?: string | null;
}

const labels = {
  en: {
    show: 'Show Nance',
    hide: 'Hide Nance',
    bootstrap: 'Bootstrap mode',
    quit: 'Quit Nance',
    restartToUpdate: 'Restart to update to {version}',
    tooltipPeer: 'Nance',
    tooltipBootstrap: 'Nance (bootstrap mode)',
  },
  ja: {
    show: 'Nance を表示',
    hide: 'Nance を隠す',
    bootstrap: 'ブートストラップモード',
    quit: 'Nance を終了',
    restartToUpdate: '再起動して {version} に更新',
    tooltipPeer: 'Nance',
    tooltipBootstrap: 'Nance（ブートストラップモード）',
  },
} as const satisfies Record<Lang, Record<string, string>>;

export function trayMenuTemplate(state: TrayState): MenuItemSpec[] {
  const t = labels[state.lang];
  return [
    { id: 'toggle-window', type: 'normal', label: state.windowVisible ? t.hide : t.show },
    ...(state.updateReady
      ? [
          {
            id: 'restart-to-update',
            type: 'normal',
            label: t.restartToUpdate.replace('{version}', state.updateReady),
          } as const,
        ]
      : []),
    { type: 'separator' },
    { id: 'bootstrap-mode', type: 'checkbox', label: t.bootstrap, checked: state.mode === 'bootstrap' },
    { type: 'separator' },
    { id: 'quit', type: 'normal', label: t.quit },
  ];
}

export function trayTooltip(state: Pick<TrayState, 'mode' | 'lang'>): string {
  const t = labels[state.lang];
  return state.mode === 'bootstrap' ? t.tooltipBootstrap : t.tooltipPeer;
}

/** Japanese when the system's first preferred language is Japanese (as the window decides). */
export function pickLang(preferred: readonly string[]): Lang {
  return preferred[0]?.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

/**
 * The tray image in `assets/tray/`: a template image on macOS (black and alpha only; the menu bar
 * tints it for light and dark mode), a coloured one elsewhere.
 */
export function trayIconFile(platform: NodeJS.Platform): string {
  return platform === 'darwin' ? 'trayTemplate.png' : 'tray.png';
}
