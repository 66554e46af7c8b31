import { describe, expect, it } from 'vitest';
import { hostPortSchema } from './api.js';
import { type ChatRef, chatKey } from './chat-key.js';
import { endpointKey, isHostPort, parseHostPort, sameEndpoint } from './endpoint.js';

describe('endpoint', () => {
  it('keys and compares by host and port', () => {
    expect(endpointKey({ host: '192.0.2.1', port: 7 })).toBe('192.0.2.1:7');
    expect(sameEndpoint({ host: '192.0.2.1', port: 7 }, { host: '192.0.2.1', port: 7 })).toBe(true);
    expect(sameEndpoint({ host: '192.0.2.1', port: 7 }, { host: '192.0.2.1', port: 8 })).toBe(false);
  });

  it('reads HOST:PORT with a port from 1 to 65535', () => {
    expect(parseHostPort('203.0.113.5:5000')).toEqual({ host: '203.0.113.5', port: 5000 });
    expect(isHostPort('boot.example.org:65535')).toBe(true);
    expect(isHostPort('203.0.113.5')).toBe(false);
    expect(isHostPort('203.0.113.5:0')).toBe(false);
    expect(isHostPort('203.0.113.5:70000')).toBe(false);
    expect(isHostPort('http://x:1')).toBe(false);
    expect(isHostPort(' 203.0.113.5:5000')).toBe(false);
  });

  it('is the rule the contract checks HOST:PORT settings with', () => {
    for (const text of ['203.0.113.5:5000', 'boot.example.org:65535', '203.0.113.5:0', '203.0.113.5:70000']) {
      expect(hostPortSchema.safeParse(text).success, text).toBe(isHostPort(text));
    }
  });
});

describe('chatKey', () => {
  const remote = { host: '192.0.2.7', port: 7000 };
  const mine: ChatRef = { host: null, chatUuid: 'a' };
  const theirs: ChatRef = { host: remote, chatUuid: 'b' };

  it('tells hosted and remote chats apart, and remote hosts apart', () => {
    expect(chatKey(mine)).toBe('me/a');
    expect(chatKey(theirs)).toBe('192.0.2.7:7000/b');
    expect(chatKey({ host: { host: '192.0.2.7', port: 7001 }, chatUuid: 'b' })).not.toBe(chatKey(theirs));
    expect(chatKey({ host: null, chatUuid: 'b' })).not.toBe(chatKey(theirs));
  });
});
