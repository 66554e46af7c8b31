// The Electron fuses that scripts/after-pack.cjs flips in every packaged Electron binary, as a
// plain object so tests can read it without a binary. Fuses are bits compiled into the Electron
// executable that turn features off before any JavaScript runs:
// https://www.electronjs.org/docs/latest/tutorial/fuses
'use strict';
const path = require('node:path');

/** Fuse name (as in @electron/fuses' FuseV1Options) -> value for the packaged app. */
const FUSES = Object.freeze({
  // The app binary must not double as a Node.js interpreter (ELECTRON_RUN_AS_NODE).
  RunAsNode: false,
  // Cookies on disk are encrypted with the OS keychain / DPAPI / libsecret.
  EnableCookieEncryption: true,
  // NODE_OPTIONS and NODE_EXTRA_CA_CERTS in the environment are ignored.
  EnableNodeOptionsEnvironmentVariable: false,
  // --inspect, --inspect-brk and friends are ignored: no debugger can be attached from outside.
  EnableNodeCliInspectArguments: false,
  // app.asar is checked against the hash that electron-builder embeds (Info.plist on macOS,
  // a resource of the .exe on Windows; Electron has no such check on Linux yet).
  EnableEmbeddedAsarIntegrityValidation: true,
  // The app is only loaded from app.asar, never from a loose resources/app folder.
  OnlyLoadAppFromAsar: true,
  // The window loads from app://nance (src-main/host/shell/app-protocol.ts), not file://: file://
  // pages get none of the extra privileges Electron grants them by default.
  GrantFileProtocolExtraPrivileges: false,
  // Left at Electron's default on purpose:
  // - LoadBrowserProcessSpecificV8Snapshot (off): no custom V8 snapshot is shipped.
});

/**
 * The @electron/fuses config for one packaged binary. `fuses` is the @electron/fuses module
 * (only its FuseVersion and FuseV1Options enums are used). `arch` is an electron-builder arch
 * name (x64, arm64, universal, ia32, armv7l).
 */
function fuseConfigFor(fuses, platform, arch) {
  const config = {
    version: fuses.FuseVersion.V1,
    // Flipping fuses changes the binary, which breaks the ad-hoc signature every arm64 macOS
    // binary must have; re-sign ad hoc (electron-builder signs properly afterwards when it has
    // an identity).
    resetAdHocDarwinSignature: platform === 'darwin' && (arch === 'arm64' || arch === 'universal'),
    strictlyRequireAllFuses: false,
  };
  for (const [name, value] of Object.entries(FUSES)) {
    const index = fuses.FuseV1Options[name];
    if (typeof index !== 'number') throw new Error(`@electron/fuses has no fuse named ${name}`);
    config[index] = value;
  }
  return config;
}

/**
 * Where electron-builder put the Electron binary of one platform inside `appOutDir`
 * (what @electron/fuses is pointed at: the .app bundle on macOS, the executable elsewhere).
 */
function electronBinaryPath({ appOutDir, electronPlatformName, productFilename, executableName }) {
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(appOutDir, `${productFilename}.app`);
    case 'win32':
      return path.join(appOutDir, `${productFilename}.exe`);
    case 'linux':
      return path.join(appOutDir, executableName || productFilename);
    default:
      throw new Error(`unknown Electron platform: ${electronPlatformName}`);
  }
}

module.exports = { FUSES, fuseConfigFor, electronBinaryPath };
