// The transport-independent message handling: envelope validation, replies, event forwarding.
import { describe, expect, it } from 'vitest';
import { Emitter } from '../../src-main/core/events.js';
import {
  type CommandService,
  type EventMessage,
  handleMessage,
  handleText,
  subscribeEvents,
} from '../../src-main/service/command-channel.js';
import type { CommandName, CommandReply, EventName, EventPayloads } from '../../src-shared/api.js';

function fakeService(dispatch?: CommandService['dispatch']): {
  service: CommandService;
  calls: { cmd: string; args: unknown }[];
  events: Emitter<{ [K in EventName]: EventPayloads[K] }>;
} {
  const calls: { cmd: string; args: unknown }[] = [];
  const events = new Emitter<{ [K in EventName]: EventPayloads[K] }>();
  const service: CommandService = {
    dispatch:
      dispatch ??
      (async (cmd, args): Promise<CommandReply<CommandName>> => {
        calls.push({ cmd, args });
        return { ok: true, result: null };
      }),
    events,
  };
  return { service, calls, events };
}

describe('handleMessage', () => {
  it('runs a well-formed message and echoes its id', async () => {
    const { service, calls } = fakeService();
    expect(await handleMessage(service, { id: 7, cmd: 'getStatus', args: { a: 1 } })).toEqual({
      id: 7,
      ok: true,
      result: null,
    });
    expect(await handleMessage(service, { id: 'req-1', cmd: 'listChats' })).toEqual({
      id: 'req-1',
      ok: true,
      result: null,
    });
    expect(calls).toEqual([
      { cmd: 'getStatus', args: { a: 1 } },
      { cmd: 'listChats', args: undefined },
    ]);
  });

  it.each([
    ['a string', 'hello', /object/],
    ['null', null, /object/],
    ['an array', [1, 'getStatus'], /object/],
    ['no id', { cmd: 'getStatus' }, /id/],
    ['a null id', { id: null, cmd: 'getStatus' }, /id/],
    ['an object id', { id: {}, cmd: 'getStatus' }, /id/],
    ['a boolean id', { id: false, cmd: 'getStatus' }, /id/],
    ['an infinite id', { id: Number.POSITIVE_INFINITY, cmd: 'getStatus' }, /id/],
    ['an id of 65 characters', { id: 'i'.repeat(65), cmd: 'getStatus' }, /id/],
  ])('refuses %s with id null', async (_what, message, pattern) => {
    const { service, calls } = fakeService();
    const reply = await handleMessage(service, message);
    expect(reply).toMatchObject({ id: null, ok: false, error: { kind: 'invalid-argument' } });
    expect(reply.ok === false && reply.error.message).toMatch(pattern);
    expect(calls).toEqual([]);
  });

  it.each([
    ['no cmd', { id: 3 }],
    ['a numeric cmd', { id: 3, cmd: 12 }],
    ['an empty cmd', { id: 3, cmd: '' }],
    ['a cmd of 65 characters', { id: 3, cmd: 'c'.repeat(65) }],
  ])('refuses %s, echoing the id', async (_what, message) => {
    const { service, calls } = fakeService();
    const reply = await handleMessage(service, message);
    expect(reply).toMatchObject({ id: 3, ok: false, error: { kind: 'invalid-argument' } });
    expect(calls).toEqual([]);
  });

  it('accepts an id of exactly 64 characters', async () => {
    const { service } = fakeService();
    const id = 'i'.repeat(64);
    expect(await handleMessage(service, { id, cmd: 'getStatus' })).toMatchObject({ id, ok: true });
  });

  it('turns a service that throws anyway into an exception reply', async () => {
    const { service } = fakeService(async () => {
      throw new Error('boom');
    });
    expect(await handleMessage(service, { id: 1, cmd: 'getStatus' })).toEqual({
      id: 1,
      ok: false,
      error: { kind: 'exception', message: 'boom' },
    });
  });
});

describe('handleText', () => {
  it('parses JSON and answers text that is not JSON', async () => {
    const { service } = fakeService();
    expect(await handleText(service, '{"id":2,"cmd":"getStatus","args":{}}')).toMatchObject({
      id: 2,
      ok: true,
    });
    expect(await handleText(service, '{"id":2,')).toEqual({
      id: null,
      ok: false,
      error: { kind: 'invalid-argument', message: 'not a JSON message' },
    });
  });
});

describe('subscribeEvents', () => {
  it('forwards every event as {event, payload} until unsubscribed', () => {
    const { service, events } = fakeService();
    const seen: EventMessage[] = [];
    const off = subscribeEvents(service, (m) => seen.push(m));
    events.emit('message', { host: null, chatUuid: 'c1' });
    events.emit('chatsChanged', {});
    events.emit('peersChanged', {});
    events.emit('modeChanged', { mode: 'bootstrap' });
    expect(seen).toEqual([
      { event: 'message', payload: { host: null, chatUuid: 'c1' } },
      { event: 'chatsChanged', payload: {} },
      { event: 'peersChanged', payload: {} },
      { event: 'modeChanged', payload: { mode: 'bootstrap' } },
    ]);
    off();
    off();
    events.emit('chatsChanged', {});
    expect(seen).toHaveLength(4);
  });

  it('contains a send that throws: the other subscribers still get the event', () => {
    const { service, events } = fakeService();
    const seen: EventMessage[] = [];
    subscribeEvents(service, () => {
      throw new Error('socket gone');
    });
    subscribeEvents(service, (m) => seen.push(m));
    expect(() => events.emit('chatsChanged', {})).not.toThrow();
    expect(seen).toEqual([{ event: 'chatsChanged', payload: {} }]);
  });
});
