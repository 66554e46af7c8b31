// Where the desktop app keeps its data and which UDP port it binds, from its command line and a
// small settings file in the data dir.

/** The file in the data dir that remembers the UDP port between starts. */
export const DESKTOP_SETTINGS_FILE = 'desktop.json';

export interface DesktopArgs {
  /** `--data-dir DIR` or `--data-dir=DIR` (the last one wins); else Electron's userData folder. */
  dataDir: string | undefined;
}

/**
 * Reads our flags from the process's arguments. Everything else (Electron's and Chromium's own
 * switches, the app path) is ignored.
 */
export function parseDesktopArgs(argv: readonly string[]): DesktopArgs {
  let dataDir: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--data-dir') {
      const next = argv[i + 1];
      if (next !== undefined && next !== '' && !next.startsWith('--')) {
        dataDir = next;
        i += 1;
      }
    } else if (arg.startsWith('--data-dir=') && arg.length > '--data-dir='.length) {
      dataDir = arg.slice('--data-dir='.length);
    }
  }
  return { dataDir };
}

export interface DesktopSettings {
  /** The UDP port bound last time (0: none yet). Peers that know us find us there again. */
  udpPort: number;
}

const isPort = (n: unknown): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65_535;

/** The settings file's contents (null: no file). Anything unreadable gives the defaults. */
export function parseDesktopSettings(text: string | null): DesktopSettings {
  if (text === null) return { udpPort: 0 };
  try {
    const value = JSON.parse(text) as { udpPort?: unknown } | null;
    return { udpPort: isPort(value?.udpPort) ? value.udpPort : 0 };
  } catch {
    return { udpPort: 0 };
  }
}

export function formatDesktopSettings(settings: DesktopSettings): string {
  return `${JSON.stringify({ udpPort: settings.udpPort }, null, 2)}\n`;
}

/** The ports to try in order: the saved one, and any free one if it is taken. */
export function portAttempts(saved: number): number[] {
  return saved > 0 ? [saved, 0] : [0];
}

/** True for a bind failure because the port is taken (worth trying another port). */
export function isAddressInUse(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    if ((e as { code?: unknown }).code === 'EADDRINUSE') return true;
  }
  return false;
}
