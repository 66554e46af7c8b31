// A link clicked in the desktop window (a target=_blank <a>, which Electron hands to the window-open
// handler): never a new Electron window; an http/https address (src-shared/safe-link.ts, checked
// again here: the window may be compromised) opens in the system's browser after the person
// confirms it, showing the whole address; anything else is refused without asking.
import { safeLink } from '../../../src-shared/safe-link.js';
import type { Lang } from './tray-menu.js';

export type LinkOutcome = 'opened' | 'refused' | 'declined';

export interface LinkOpener {
  /** Asks the person; true = open. */
  confirm(url: string): Promise<boolean>;
  openExternal(url: string): Promise<void>;
}

export async function openExternalLink(url: string, opener: LinkOpener): Promise<LinkOutcome> {
  const target = safeLink(url);
  if (target === null) return 'refused';
  if (!(await opener.confirm(target))) return 'declined';
  await opener.openExternal(target);
  return 'opened';
}

/** The confirm dialog's text (Electron's showMessageBox options); "Cancel" is the default. */
export function confirmLinkDialog(
  url: string,
  lang: Lang,
): { type: 'question'; message: string; detail: string; buttons: string[]; defaultId: 0; cancelId: 0 } {
  const ja = lang === 'ja';
  return {
    type: 'question',
    message: ja ? 'このリンクをブラウザで開きますか？' : 'Open this link in your browser?',
    detail: url,
    buttons: ja ? ['キャンセル', '開く'] : ['Cancel', 'Open'],
    defaultId: 0,
    cancelId: 0,
  };
}

/** showMessageBox's answer: the index of "Open". */
export const OPEN_BUTTON = 1;
