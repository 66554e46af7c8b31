import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AUTO_INSTALL_ON_APP_QUIT,
  CHECK_INTERVAL_MS,
  isNewer,
  offerFor,
  publishedRepo,
  releasePage,
  UpdateChecks,
  updatePath,
  updaterOptions,
} from './updates.js';

const facts = {
  isPackaged: true,
  platform: 'linux' as NodeJS.Platform,
  appImage: undefined as string | undefined,
  portableExecutable: undefined as string | undefined,
  enabled: true,
};

describe('update path', () => {
  it('self-updates the AppImage, NSIS and macOS builds', () => {
    expect(updatePath({ ...facts, appImage: '/home/a/Nance.AppImage' })).toBe('self');
    expect(updatePath({ ...facts, platform: 'win32' })).toBe('self');
    expect(updatePath({ ...facts, platform: 'darwin' })).toBe('self');
  });

  it('only links to the release page for the deb and the portable exe', () => {
    expect(updatePath(facts)).toBe('download');
    expect(updatePath({ ...facts, platform: 'win32', portableExecutable: 'C:\\Nance.exe' })).toBe('download');
  });

  it('does nothing unpackaged or with the setting off', () => {
    expect(updatePath({ ...facts, isPackaged: false, platform: 'darwin' })).toBe('none');
    expect(updatePath({ ...facts, enabled: false, platform: 'darwin' })).toBe('none');
  });

  it('downloads only where it can install, and never installs on quit', () => {
    expect(AUTO_INSTALL_ON_APP_QUIT).toBe(false);
    expect(updaterOptions('self')).toEqual({ autoDownload: true, autoInstallOnAppQuit: false });
    expect(updaterOptions('download')).toEqual({ autoDownload: false, autoInstallOnAppQuit: false });
  });
});

describe('the offer', () => {
  const url = 'https://github.com/nance/nance/releases/tag/v0.2.0';
  it('is a restart once downloaded, a link where nothing downloads', () => {
    expect(offerFor('downloaded', 'self', '0.2.0', '0.1.0', url)).toEqual({
      version: '0.2.0',
      action: 'restart',
      releaseUrl: url,
    });
    expect(offerFor('available', 'download', '0.2.0', '0.1.0', url)?.action).toBe('download');
    // Available but not yet downloaded: nothing to restart into yet.
    expect(offerFor('available', 'self', '0.2.0', '0.1.0', url)).toBeNull();
    expect(offerFor('downloaded', 'download', '0.2.0', '0.1.0', url)).toBeNull();
    expect(offerFor('downloaded', 'none', '0.2.0', '0.1.0', url)).toBeNull();
  });

  it('never offers the running version or an older one (a lying feed cannot loop restarts)', () => {
    expect(offerFor('downloaded', 'self', '0.1.0', '0.1.0', url)).toBeNull();
    expect(offerFor('downloaded', 'self', '0.0.9', '0.1.0', url)).toBeNull();
    expect(offerFor('available', 'download', '0.1.0-beta.1', '0.1.0', url)).toBeNull();
  });

  it('compares versions', () => {
    expect(isNewer('0.10.0', '0.9.9')).toBe(true);
    expect(isNewer('1.0.0', '1.0.0-rc.1')).toBe(true);
    expect(isNewer('1.0.0-rc.2', '1.0.0-rc.1')).toBe(true);
    expect(isNewer('v1.0.1', '1.0.0')).toBe(true);
    expect(isNewer('1.0', '1.0.0')).toBe(false);
  });
});

describe('release page', () => {
  it('is the tag page of the publishing repository, through safeLink', () => {
    expect(releasePage({ owner: 'nance-chat', repo: 'nance' }, '0.2.0')).toBe(
      'https://github.com/nance-chat/nance/releases/tag/v0.2.0',
    );
    expect(releasePage(null, '0.2.0')).toBeNull();
    expect(releasePage({ owner: 'a' }, '0.2.0')).toBeNull();
    // A feed's version never smuggles a path or a query into the link.
    expect(releasePage({ owner: 'a', repo: 'b' }, '1.0.0/../../evil?x')).toBeNull();
    expect(releasePage({ owner: 'a/../x', repo: 'b' }, '1.0.0')).toBe(
      'https://github.com/a%2F..%2Fx/b/releases/tag/v1.0.0',
    );
  });
});

describe('publishedRepo', () => {
  it("reads owner and repo from electron-builder's app-update.yml", () => {
    const yml = 'owner: nance-chat\nrepo: nance\nprovider: github\nupdaterCacheDirName: nance-updater\n';
    expect(publishedRepo(yml)).toEqual({ owner: 'nance-chat', repo: 'nance' });
    expect(publishedRepo('provider: github\n')).toBeNull();
    expect(publishedRepo('owner: a b\nrepo: c\n')).toBeNull();
  });
});

describe('when the app checks (UpdateChecks)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const DAY = 24 * 60 * 60 * 1000;

  it('checks at start, then once a day, and never twice for one day however often the setting is applied', () => {
    let checks = 0;
    const schedule = new UpdateChecks(() => {
      checks += 1;
    });
    expect(CHECK_INTERVAL_MS).toBe(DAY);
    schedule.set(true);
    expect(checks).toBe(1);
    // Every status change applies the setting again: no extra check, no second timer.
    for (let i = 0; i < 5; i += 1) schedule.set(true);
    vi.advanceTimersByTime(DAY - 1);
    expect(checks).toBe(1);
    vi.advanceTimersByTime(1);
    expect(checks).toBe(2);
    vi.advanceTimersByTime(2 * DAY);
    expect(checks).toBe(4);
    schedule.set(false);
  });

  it('stops when the setting is turned off, and checks at once when it is turned on again', () => {
    let checks = 0;
    const schedule = new UpdateChecks(() => {
      checks += 1;
    });
    schedule.set(true);
    schedule.set(false);
    expect(schedule.on).toBe(false);
    vi.advanceTimersByTime(10 * DAY);
    expect(checks).toBe(1);
    schedule.set(true);
    expect(checks).toBe(2);
    expect(schedule.on).toBe(true);
    schedule.set(false);
  });
});
