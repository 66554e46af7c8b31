// When the desktop app seals its key with the OS keychain: only a real keychain, never Linux's
// basic_text (a key known to everyone) or none; and what it seals opens to the same bytes.
import { describe, expect, it } from 'vitest';
import { keychainSecretBox, type SafeStorageLike } from './keychain-box.js';

/** A stand-in for Electron's safeStorage with the given availability and Linux backend. */
function storage(available: boolean, backend?: string): SafeStorageLike {
  return {
    isEncryptionAvailable: () => available,
    encryptString: (plain) => Buffer.from(`sealed:${Buffer.from(plain).reverse().toString('hex')}`),
    decryptString: (sealed) =>
      Buffer.from(sealed.toString().slice('sealed:'.length), 'hex').reverse().toString(),
    ...(backend === undefined ? {} : { getSelectedStorageBackend: () => backend }),
  };
}

describe('keychainSecretBox', () => {
  it('seals where the OS has a keychain, and opens to the same bytes', () => {
    const seed = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7));
    for (const [platform, backend] of [
      ['darwin', undefined],
      ['win32', undefined],
      ['linux', 'gnome_libsecret'],
      ['linux', 'kwallet5'],
    ] as const) {
      const box = keychainSecretBox(storage(true, backend), platform);
      if (!box) throw new Error(`no box on ${platform}`);
      const sealed = box.seal(seed);
      expect(sealed.includes(seed)).toBe(false);
      expect(box.open(sealed).equals(seed)).toBe(true);
    }
  });

  it('does not seal without encryption, or on Linux with basic_text or no known backend', () => {
    expect(keychainSecretBox(storage(false), 'darwin')).toBeUndefined();
    expect(keychainSecretBox(storage(true, 'basic_text'), 'linux')).toBeUndefined();
    expect(keychainSecretBox(storage(true, 'unknown'), 'linux')).toBeUndefined();
    expect(keychainSecretBox(storage(true), 'linux')).toBeUndefined();
  });
});
