// Auto-update decisions, as plain functions (the Electron wiring in ../electron/main.ts only
// applies them to electron-updater's autoUpdater). Nothing is ever installed without the person's
// "Restart to update": downloads happen in the background, installing happens on their restart.
import { safeLink } from '../../../src-shared/safe-link.js';

/** At start and then once a day. */
export const CHECK_INTERVAL_MS = 24 * 60 * 60 * 1000;

/**
 * When to check: once as soon as checks are on, then every CHECK_INTERVAL_MS until they are off
 * (the setting, or the app stopping). Turning them on again checks at once. `check` must not throw.
 */
export class UpdateChecks {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly check: () => void,
    private readonly intervalMs = CHECK_INTERVAL_MS,
  ) {}

  get on(): boolean {
    return this.timer !== undefined;
  }

  set(on: boolean): void {
    if (!on) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer) return;
    this.timer = setInterval(this.check, this.intervalMs);
    this.check();
  }
}

/**
 * false: a downloaded update is NOT installed when the app quits. Quitting Nance from the tray is
 * an everyday act (it stops hosting chats), not a request to change the installed app; the update
 * waits, shown in the window and the tray, until the person picks "Restart to update".
 */
export const AUTO_INSTALL_ON_APP_QUIT = false;

/**
 * How this install gets a new version:
 * - 'self': electron-updater downloads it and installs it on the person's restart (NSIS on
 *   Windows, the zip on macOS, the AppImage on Linux);
 * - 'download': only tell the person, with a link to the release page: a deb (its files belong to
 *   dpkg; installing needs root) and the portable Windows exe (nothing installed to replace);
 * - 'none': not a packaged app (`npm run start:desktop`), or the person turned checks off.
 */
export type UpdatePath = 'self' | 'download' | 'none';

export interface InstallFacts {
  isPackaged: boolean;
  platform: NodeJS.Platform;
  /** Set by the AppImage runtime to the AppImage's path. */
  appImage: string | undefined;
  /** Set by electron-builder's portable launcher. */
  portableExecutable: string | undefined;
  /** The setting "check for updates" (SettingsDto.autoUpdate). */
  enabled: boolean;
}

export function updatePath(facts: InstallFacts): UpdatePath {
  if (!facts.isPackaged || !facts.enabled) return 'none';
  if (facts.platform === 'linux') return facts.appImage ? 'self' : 'download';
  if (facts.platform === 'win32') return facts.portableExecutable ? 'download' : 'self';
  if (facts.platform === 'darwin') return 'self';
  return 'none';
}

/** electron-updater's options for a path: download in the background only where it can install. */
export function updaterOptions(path: Exclude<UpdatePath, 'none'>): {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
} {
  return { autoDownload: path === 'self', autoInstallOnAppQuit: AUTO_INSTALL_ON_APP_QUIT };
}

/** What the window and the tray show: `restart` once downloaded, `download` where only a link helps. */
export interface UpdateOffer {
  version: string;
  action: 'restart' | 'download';
  /** The release page (http/https only, through safeLink); null when unknown. */
  releaseUrl: string | null;
}

/** owner and repo from electron-builder's app-update.yml (resources/), or null. */
export function publishedRepo(appUpdateYml: string): { owner: string; repo: string } | null {
  const field = (name: string) =>
    new RegExp(`^${name}:\\s*['"]?([A-Za-z0-9_.-]+)['"]?\\s*$`, 'm').exec(appUpdateYml)?.[1];
  const owner = field('owner');
  const repo = field('repo');
  return owner && repo ? { owner, repo } : null;
}

/** The release page of `version` on the GitHub repository the build was published from. */
export function releasePage(
  publish: { owner?: string; repo?: string } | null,
  version: string,
): string | null {
  if (!publish?.owner || !publish.repo || !/^[0-9A-Za-z.+-]+$/.test(version)) return null;
  const owner = encodeURIComponent(publish.owner);
  const repo = encodeURIComponent(publish.repo);
  return safeLink(`https://github.com/${owner}/${repo}/releases/tag/v${encodeURIComponent(version)}`);
}

/**
 * The offer after an updater event: `available` counts only where nothing downloads (the link),
 * `downloaded` only where it installs (the restart). A version not newer than the running one is
 * never offered (electron-updater checks too; this keeps a lying feed from looping a restart).
 */
export function offerFor(
  event: 'available' | 'downloaded',
  path: UpdatePath,
  version: string,
  current: string,
  releaseUrl: string | null,
): UpdateOffer | null {
  if (path === 'none' || !isNewer(version, current)) return null;
  if (event === 'available' && path === 'download') return { version, action: 'download', releaseUrl };
  if (event === 'downloaded' && path === 'self') return { version, action: 'restart', releaseUrl };
  return null;
}

/** a > b for dotted numeric versions (a pre-release tag after "-" ranks below its release). */
export function isNewer(a: string, b: string): boolean {
  const parse = (v: string) => {
    const [core = '', pre] = v.replace(/^v/, '').split('-', 2);
    return { nums: core.split('.').map((n) => Number.parseInt(n, 10) || 0), pre: pre ?? null };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length); i += 1) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  if (x.pre === y.pre) return false;
  if (x.pre === null) return true;
  if (y.pre === null) return false;
  return x.pre > y.pre;
}
