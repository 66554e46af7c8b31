// The checks on every IPC call from the window, before anything runs: who sent it (only our own
// index.html, app://nance/index.html) and what it is (a known command with arguments that match the
// contract). NanceService.dispatch validates the arguments again; this gate answers early and
// keeps anything else from reaching the service.
import { type CommandError, type CommandName, parseCommand } from '../../../src-shared/api.js';
import { APP_INDEX_URL } from './app-protocol.js';

/** The one channel the window invokes: `{ cmd, args }` → CommandReply. */
export const CALL_CHANNEL = 'nance:call';
/** The one channel main sends on: `{ event, payload }`. */
export const EVENT_CHANNEL = 'nance:event';

export const MAX_COMMAND_LENGTH = 64;

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/**
 * True only for our own page: exactly `app://nance/index.html` (APP_INDEX_URL, the one page the
 * window loads, from app-protocol.ts). Any other path (`/`, `/assets/x.js`, `/index.html/`), a
 * query string (even an empty `?`), user info, a port, another host or any other scheme (file,
 * http, https, data, blob, about, devtools, …) is refused, so a frame that navigated or was
 * injected elsewhere gets nothing. Only the fragment may differ (in-page navigation keeps the same
 * document). The URL is the one Chromium reports, already canonical (dot segments removed); no
 * decoding or case folding is done here.
 */
export function isTrustedSender(frameUrl: string): boolean {
  const url = parseUrl(frameUrl);
  if (!url) return false;
  url.hash = '';
  return url.href === APP_INDEX_URL;
}

export type IpcCallCheck =
  | { ok: true; command: CommandName; args: unknown }
  | { ok: false; error: CommandError };

const reject = (message: string): IpcCallCheck => ({
  ok: false,
  error: { kind: 'invalid-argument', message },
});

/**
 * Checks one call: `command` must name a command of the contract and `args` must match its schema.
 * On success `args` is the parsed value (strings trimmed where the contract says so).
 */
export function validateIpcCall(command: unknown, args: unknown): IpcCallCheck {
  if (typeof command !== 'string' || command.length === 0 || command.length > MAX_COMMAND_LENGTH) {
    return reject(`cmd: expected a command name of at most ${MAX_COMMAND_LENGTH} characters`);
  }
  const call = parseCommand(command, args);
  return call.ok ? call : reject(call.message);
}

/** Checks the message of an `invoke(CALL_CHANNEL, message)`: a plain `{ cmd, args }`, then the call. */
export function validateIpcMessage(message: unknown): IpcCallCheck {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return reject('expected an object {"cmd", "args"}');
  }
  const { cmd, args } = message as { cmd?: unknown; args?: unknown };
  return validateIpcCall(cmd, args);
}

/** The reply to a sender that is not our page. */
export const untrustedSenderError: CommandError = {
  kind: 'bad-request',
  message: 'calls are accepted only from the Nance window',
};
