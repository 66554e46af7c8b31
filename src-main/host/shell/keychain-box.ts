// Whether the desktop app seals its identity key with the OS keychain (Electron's safeStorage),
// and the SecretBox that does it. Plain: main.ts passes the real safeStorage, tests a stand-in.
import type { SecretBox } from '../identity-file.js';

/** The part of Electron's `safeStorage` we use (`getSelectedStorageBackend` exists on Linux only). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
  getSelectedStorageBackend?(): string;
}

/**
 * Linux backends that are not a keychain: 'basic_text' seals with a key written in Chromium's
 * source, 'unknown' is none found. Sealing with them protects nothing and ties the file to this
 * app, so the file stays plain (0600) instead.
 */
const NO_KEYCHAIN = new Set(['basic_text', 'unknown']);

/** The box sealing the identity key, or undefined when this machine has no keychain to seal with. */
export function keychainSecretBox(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform = process.platform,
): SecretBox | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  if (platform === 'linux' && NO_KEYCHAIN.has(safeStorage.getSelectedStorageBackend?.() ?? 'unknown')) {
    return undefined;
  }
  return {
    // safeStorage seals strings: the seed travels as base64.
    seal: (plain) => safeStorage.encryptString(plain.toString('base64')),
    open: (sealed) => Buffer.from(safeStorage.decryptString(sealed), 'base64'),
  };
}
