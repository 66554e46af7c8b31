import { describe, expect, it } from 'vitest';
import { RemoteChats } from './remote-chats.js';

const chat = (uuid: string) => ({ uuid, name: `chat ${uuid}`, timestamp: '1732412345.000000' });

describe('RemoteChats', () => {
  it('keeps at most its bound of hosts, forgetting the least recently updated (listed by a flood of peers)', () => {
    const remote = new RemoteChats(3);
    for (let i = 1; i <= 5; i++) remote.set({ host: `198.51.100.${i}`, port: 7000 }, [chat(`c${i}`)], i);
    expect(remote.all().map((h) => h.host.host)).toEqual(['198.51.100.3', '198.51.100.4', '198.51.100.5']);
    // A failure counts as an update: that host stays, the oldest goes.
    remote.failed({ host: '198.51.100.3', port: 7000 }, 'timeout', 1);
    remote.set({ host: '198.51.100.6', port: 7000 }, [], 6);
    expect(remote.all().map((h) => h.host.host)).toEqual(['198.51.100.5', '198.51.100.3', '198.51.100.6']);
    expect(remote.get({ host: '198.51.100.3', port: 7000 })).toMatchObject({
      error: 'timeout',
      chats: [chat('c3')],
    });
  });
});

describe('RemoteChats offline state', () => {
  it('dates "offline since" from the first failure, keeps it through later ones, and clears it on an answer', () => {
    const remote = new RemoteChats();
    const host = { host: '198.51.100.9', port: 7000 };
    remote.set(host, [chat('c9')], 100);
    remote.failed(host, 'timeout', 200);
    remote.failed(host, 'timeout', 900);
    expect(remote.get(host)).toMatchObject({ chats: [chat('c9')], fetchedAt: 100, offlineSince: 200 });
    remote.set(host, [chat('c9')], 1000);
    expect(remote.get(host)?.offlineSince).toBeUndefined();
    remote.failed(host, 'timeout', 1100);
    expect(remote.get(host)?.offlineSince).toBe(1100);
  });

  it('clears the offline state when the host answers another request, keeping when its list was fetched', () => {
    const remote = new RemoteChats();
    const host = { host: '198.51.100.9', port: 7000 };
    expect(remote.answered(host)).toBe(false); // unknown host: nothing to show
    remote.set(host, [chat('c9')], 100);
    expect(remote.answered(host)).toBe(false); // online already
    remote.failed(host, 'timeout', 200);
    expect(remote.answered(host)).toBe(true);
    expect(remote.get(host)).toMatchObject({ chats: [chat('c9')], fetchedAt: 100, error: undefined });
    expect(remote.get(host)?.offlineSince).toBeUndefined();
  });
});
