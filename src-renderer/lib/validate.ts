// Input checks done before a command is sent, mirroring the contract's limits (main checks them
// again; these only let the form say what is wrong next to the field).
import { isHostPort } from '../../src-shared/endpoint';
import type { MessageKey } from '../i18n';

export const MAX_DISPLAY_NAME = 64;
export const MAX_CHAT_NAME = 256;
export { MAX_MESSAGE_CHARS as MAX_MESSAGE } from '../../src-shared/post-size';
export const MAX_BOOTSTRAPS = 16;
export const MAX_KEEPALIVE_SECONDS = 3600;
export const MAX_BACKUP_CHARS = 4096;

export interface Checked<T> {
  value: T;
  error: { key: MessageKey; params?: Record<string, number | string> } | null;
}

export function checkDisplayName(raw: string): Checked<string> {
  const value = raw.trim();
  if (value.length === 0) return { value, error: { key: 'validation.nameRequired' } };
  if (value.length > MAX_DISPLAY_NAME) {
    return { value, error: { key: 'validation.nameTooLong', params: { max: MAX_DISPLAY_NAME } } };
  }
  return { value, error: null };
}

/** One HOST:PORT per line (commas and spaces also separate); blank lines are ignored. */
export function checkBootstrapList(raw: string): Checked<string[]> {
  const value = raw
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (value.length > MAX_BOOTSTRAPS) {
    return { value, error: { key: 'validation.tooManyBootstraps', params: { max: MAX_BOOTSTRAPS } } };
  }
  if (!value.every(isHostPort)) return { value, error: { key: 'validation.hostPort' } };
  return { value, error: null };
}

/** Keepalive seconds as typed: a whole number from 0 (off) to MAX_KEEPALIVE_SECONDS. */
export function checkKeepalive(raw: string): Checked<number> {
  const text = raw.trim();
  const value = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 0 && value <= MAX_KEEPALIVE_SECONDS)) {
    return { value, error: { key: 'validation.keepalive', params: { max: MAX_KEEPALIVE_SECONDS } } };
  }
  return { value, error: null };
}
