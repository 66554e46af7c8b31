// The contract of src-shared/api.ts as messages, independent of the transport that carries them
// (the web host's WebSocket; the stdio control later): one parsed incoming message
// {id, cmd, args} -> one reply {id, ok, result | error}, and every event as {event, payload}.
// Nothing a caller sends can make these throw.
import {
  type CommandError,
  type CommandName,
  type CommandReply,
  type EventName,
  type EventPayloads,
  eventNames,
} from '../../src-shared/api.js';
import type { NanceService } from './nance-service.js';

/** What a channel needs of the service: NanceService, or a stand-in in tests. */
export interface CommandService {
  dispatch: NanceService['dispatch'];
  events: {
    on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
  };
}

/** A request id as the caller chose it: echoed back verbatim. */
export type MessageId = number | string;

export const MAX_ID_LENGTH = 64;
export const MAX_COMMAND_LENGTH = 64;

/** A reply: `id` is null when the message carried no usable id (or was not a message at all). */
export type ReplyMessage = { id: MessageId | null } & CommandReply<CommandName>;

export type EventMessage = { [E in EventName]: { event: E; payload: EventPayloads[E] } }[EventName];

/** The reply to a message that could not be read as a command. */
export function invalidMessage(message: string, id: MessageId | null = null): ReplyMessage {
  return { id, ok: false, error: { kind: 'invalid-argument', message } };
}

function isValidId(id: unknown): id is MessageId {
  return (
    (typeof id === 'number' && Number.isFinite(id)) || (typeof id === 'string' && id.length <= MAX_ID_LENGTH)
  );
}

/**
 * Runs one already-parsed message. Validates the envelope (a plain object; `id` a finite number or
 * a string of at most 64 characters; `cmd` a string of at most 64 characters), then the service
 * validates `args`. Never throws, never rejects.
 */
export async function handleMessage(service: CommandService, message: unknown): Promise<ReplyMessage> {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return invalidMessage('expected an object {"id", "cmd", "args"}');
  }
  const { id, cmd, args } = message as { id?: unknown; cmd?: unknown; args?: unknown };
  if (!isValidId(id)) {
    return invalidMessage(`id: expected a number or a string of at most ${MAX_ID_LENGTH} characters`);
  }
  if (typeof cmd !== 'string' || cmd.length === 0 || cmd.length > MAX_COMMAND_LENGTH) {
    return invalidMessage(`cmd: expected a command name of at most ${MAX_COMMAND_LENGTH} characters`, id);
  }
  try {
    const reply = await service.dispatch(cmd, args);
    return { id, ...reply };
  } catch (err) {
    // dispatch never throws; this guards a service that breaks that promise.
    const error: CommandError = {
      kind: 'exception',
      message: err instanceof Error ? err.message : String(err),
    };
    return { id, ok: false, error };
  }
}

/** Parses one text message (a JSON document) and runs it. Never throws, never rejects. */
export function handleText(service: CommandService, text: string): Promise<ReplyMessage> {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return Promise.resolve(invalidMessage('not a JSON message'));
  }
  return handleMessage(service, message);
}

/**
 * Forwards every event of `eventNames` to `send` as {event, payload}; returns the unsubscribe.
 * A `send` that throws is contained here: it must not break the other listeners or the peer
 * action that raised the event.
 */
export function subscribeEvents(service: CommandService, send: (message: EventMessage) => void): () => void {
  const offs = eventNames.map((event) =>
    service.events.on(event, (payload: unknown) => {
      try {
        send({ event, payload } as EventMessage);
      } catch {
        // The transport is gone or broken; its own close handling unsubscribes.
      }
    }),
  );
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    for (const off of offs) off();
  };
}
