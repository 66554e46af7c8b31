import { describe, expect, it } from 'vitest';
import { pickLang, trayIconFile, trayMenuTemplate, trayTooltip } from './tray-menu.js';

describe('trayMenuTemplate', () => {
  it('a visible window in peer mode: Hide, an unchecked bootstrap box, Quit, with separators', () => {
    expect(trayMenuTemplate({ windowVisible: true, mode: 'peer', lang: 'en' })).toEqual([
      { id: 'toggle-window', type: 'normal', label: 'Hide Nance' },
      { type: 'separator' },
      { id: 'bootstrap-mode', type: 'checkbox', label: 'Bootstrap mode', checked: false },
      { type: 'separator' },
      { id: 'quit', type: 'normal', label: 'Quit Nance' },
    ]);
  });

  it('a hidden window offers Show; bootstrap mode checks the box', () => {
    const items = trayMenuTemplate({ windowVisible: false, mode: 'bootstrap', lang: 'en' });
    expect(items.find((i) => i.id === 'toggle-window')?.label).toBe('Show Nance');
    expect(items.find((i) => i.id === 'bootstrap-mode')?.checked).toBe(true);
  });

  it('offers "Restart to update" only once an update is downloaded, quietly, beside Show/Hide', () => {
    const ids = (updateReady: string | null) =>
      trayMenuTemplate({ windowVisible: true, mode: 'peer', lang: 'en', updateReady }).map((i) => i.id);
    expect(ids(null)).not.toContain('restart-to-update');
    expect(ids('1.2.0').slice(0, 2)).toEqual(['toggle-window', 'restart-to-update']);
    const label = (lang: 'en' | 'ja') =>
      trayMenuTemplate({ windowVisible: false, mode: 'peer', lang, updateReady: '1.2.0' }).find(
        (i) => i.id === 'restart-to-update',
      )?.label;
    expect(label('en')).toBe('Restart to update to 1.2.0');
    expect(label('ja')).toBe('再起動して 1.2.0 に更新');
  });

  it('Japanese labels', () => {
    const labels = (visible: boolean) =>
      trayMenuTemplate({ windowVisible: visible, mode: 'bootstrap', lang: 'ja' }).map((i) => i.label);
    expect(labels(false)).toEqual([
      'Nance を表示',
      undefined,
      'ブートストラップモード',
      undefined,
      'Nance を終了',
    ]);
    expect(labels(true)[0]).toBe('Nance を隠す');
  });

  it('every state: the same ids in the same order, each labelled, only the box checkable', () => {
    for (const windowVisible of [true, false]) {
      for (const mode of ['peer', 'bootstrap'] as const) {
        for (const lang of ['ja', 'en'] as const) {
          const items = trayMenuTemplate({ windowVisible, mode, lang });
          expect(items.map((i) => i.id ?? '-')).toEqual([
            'toggle-window',
            '-',
            'bootstrap-mode',
            '-',
            'quit',
          ]);
          for (const item of items) {
            if (item.type === 'separator') expect(item.label).toBeUndefined();
            else expect(item.label?.length).toBeGreaterThan(0);
            expect('checked' in item).toBe(item.type === 'checkbox');
          }
        }
      }
    }
  });
});

describe('trayTooltip', () => {
  it('says when the peer runs as a bootstrap', () => {
    expect(trayTooltip({ mode: 'peer', lang: 'en' })).toBe('Nance');
    expect(trayTooltip({ mode: 'bootstrap', lang: 'en' })).toBe('Nance (bootstrap mode)');
    expect(trayTooltip({ mode: 'bootstrap', lang: 'ja' })).toBe('Nance（ブートストラップモード）');
  });
});

describe('pickLang', () => {
  it('Japanese when the first preferred language is Japanese, else English', () => {
    expect(pickLang(['ja-JP', 'en-US'])).toBe('ja');
    expect(pickLang(['JA'])).toBe('ja');
    expect(pickLang(['en-US', 'ja-JP'])).toBe('en');
    expect(pickLang(['de'])).toBe('en');
    expect(pickLang([])).toBe('en');
  });
});

describe('trayIconFile', () => {
  it('a template image on macOS, the coloured one elsewhere', () => {
    expect(trayIconFile('darwin')).toBe('trayTemplate.png');
    expect(trayIconFile('win32')).toBe('tray.png');
    expect(trayIconFile('linux')).toBe('tray.png');
  });
});
