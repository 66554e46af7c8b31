// electron-builder `afterPack` hook (electron-builder.yml): flips the Electron fuses listed in
// scripts/fuses.cjs in the packed binary. It runs after the app files and app.asar (with its
// integrity hash) are in place and before code signing, which is the order fuses need.
'use strict';
const { flipFuses, getCurrentFuseWire, FuseVersion, FuseV1Options } = require('@electron/fuses');
const { existsSync } = require('node:fs');
const { electronBinaryPath, fuseConfigFor } = require('./fuses.cjs');

// electron-builder's Arch enum, by value (builder-util: ia32 0, x64 1, armv7l 2, arm64 3, universal 4).
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

/** @param {import('app-builder-lib').AfterPackContext} context */
async function afterPack(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  const arch = typeof context.arch === 'number' ? ARCH_NAMES[context.arch] : String(context.arch);
  const binary = electronBinaryPath({
    appOutDir,
    electronPlatformName,
    productFilename: packager.appInfo.productFilename,
    executableName: packager.executableName,
  });
  if (!existsSync(binary)) throw new Error(`after-pack: no Electron binary at ${binary}`);
  const config = fuseConfigFor({ FuseVersion, FuseV1Options }, electronPlatformName, arch);
  await flipFuses(binary, config);
  const wire = await getCurrentFuseWire(binary);
  const shown = Object.keys(FuseV1Options)
    .filter((key) => Number.isNaN(Number(key)))
    .map((name) => `${name}=${String.fromCharCode(wire[FuseV1Options[name]] ?? 63)}`)
    .join(' ');
  console.log(`  • fuses flipped  platform=${electronPlatformName} arch=${arch} ${shown}`);
}

// Callable as the module itself, as `.afterPack` and as `.default`: electron-builder accepts each.
module.exports = afterPack;
module.exports.afterPack = afterPack;
module.exports.default = afterPack;
