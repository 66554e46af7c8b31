// The types of scripts/fuses.cjs, for the TypeScript that requires it (test/packaging/fuses.test.ts,
// the packaged-app smoke suite): `typeof import('…/scripts/fuses.cjs')` resolves here.

/** Fuse name (as in @electron/fuses' FuseV1Options) -> value for the packaged app. */
export declare const FUSES: Readonly<Record<string, boolean>>;

/** The parts of the @electron/fuses module that fuseConfigFor reads. */
export interface FusesEnums {
  FuseVersion: { V1: unknown };
  FuseV1Options: object;
}

/** The @electron/fuses config for one packaged binary (fuse indices -> values, plus options). */
export declare function fuseConfigFor(
  fuses: FusesEnums,
  platform: string,
  arch: string,
): Record<string, unknown> & { resetAdHocDarwinSignature: boolean };

/** What electronBinaryPath reads of electron-builder's afterPack context. */
export interface PackContext {
  appOutDir: string;
  electronPlatformName: string;
  productFilename: string;
  executableName?: string;
}

/** Where electron-builder put the Electron binary of one platform inside `appOutDir`. */
export declare function electronBinaryPath(ctx: PackContext): string;
