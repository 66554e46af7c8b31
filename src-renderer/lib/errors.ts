// Failures put into words a person understands, in the window's language. Every ErrorKind of the
// contract has a sentence; an unknown kind falls back on the protocol code, then on a generic one.
import type { CommandError } from '../../src-shared/api';
import { type ErrorKind, errorKindByCode, errorKinds } from '../../src-shared/error-kinds';
import { type Lang, type MessageKey, translate } from '../i18n';

export { errorKinds };

const keyByKind: Record<ErrorKind, MessageKey> = {
  exception: 'error.exception',
  'bad-request': 'error.bad-request',
  unreachable: 'error.unreachable',
  'not-found': 'error.not-found',
  full: 'error.full',
  timeout: 'error.timeout',
  'not-supported': 'error.not-supported',
  'too-large': 'error.too-large',
  'wrong-mode': 'error.wrong-mode',
  closed: 'error.closed',
  'invalid-argument': 'error.invalid-argument',
  'bad-host': 'error.bad-host',
  'bad-link': 'error.bad-link',
  'wrong-key': 'error.wrong-key',
  'host-bootstrap': 'error.host-bootstrap',
};

export function errorKindOf(error: Pick<CommandError, 'kind' | 'code'>): ErrorKind | null {
  if (Object.hasOwn(keyByKind, error.kind)) return error.kind;
  if (error.code !== undefined && Object.hasOwn(errorKindByCode, error.code))
    return errorKindByCode[error.code] ?? null;
  return null;
}

export interface DescribedError {
  /** The sentence for a person. */
  text: string;
  /** The technical detail (message and code), for the curious; empty when there is none. */
  detail: string;
}

export function describeError(error: CommandError, lang: Lang): DescribedError {
  const kind = errorKindOf(error);
  const text = translate(lang, kind ? keyByKind[kind] : 'error.unknown');
  const message = error.message?.trim() ?? '';
  const code =
    error.code !== undefined && !message.includes(`code ${error.code}`) ? `code ${error.code}` : '';
  const parts = [message, code].filter(Boolean);
  const detail = parts.length > 0 ? translate(lang, 'error.details', { detail: parts.join(' · ') }) : '';
  return { text, detail };
}
