// Failures put into words a person understands, in the window's language. Every ErrorKind of the
// contract has a sentence; an unknown kind falls back on the protocol code, then on a generic one.
import type { CommandError, ErrorKind } from '../../src-shared/api';
import { type Lang, type MessageKey, translate } from '../i18n';

export const errorKinds: readonly ErrorKind[] = [
  'exception',
  'bad-request',
  'unreachable',
  'not-found',
  'full',
  'timeout',
  'not-supported',
  'too-large',
  'wrong-mode',
  'closed',
  'invalid-argument',
  'bad-host',
];

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
};

/** Protocol result codes (the original's 1/2/3/10/20/90) for errors whose kind we do not know. */
const kindByCode: Record<number, ErrorKind> = {
  1: 'exception',
  2: 'bad-request',
  3: 'unreachable',
  10: 'not-found',
  20: 'full',
  90: 'timeout',
};

export function errorKindOf(error: Pick<CommandError, 'kind' | 'code'>): ErrorKind | null {
  if (Object.hasOwn(keyByKind, error.kind)) return error.kind;
  if (error.code !== undefined && Object.hasOwn(kindByCode, error.code))
    return kindByCode[error.code] ?? null;
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
