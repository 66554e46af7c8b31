// The rule with a stand-in service; compose.test.ts runs it on a real NanceService and store.
import { describe, expect, it } from 'vitest';
import type { Mode } from '../../../src-shared/api.js';
import { type ModeService, switchBootstrapMode } from './mode-switch.js';

function fakeService(initial: Mode, failWith?: Error): ModeService & { calls: Mode[] } {
  let mode = initial;
  const calls: Mode[] = [];
  return {
    calls,
    setMode(next) {
      calls.push(next);
      if (failWith) throw failWith;
      mode = next;
    },
    status: () => ({ mode }),
  };
}

describe('switchBootstrapMode', () => {
  it('checking the box switches a peer to bootstrap mode', () => {
    const s = fakeService('peer');
    expect(switchBootstrapMode(s, true)).toEqual({ ok: true, mode: 'bootstrap' });
    expect(s.calls).toEqual(['bootstrap']);
  });

  it('unchecking it switches back to peer mode', () => {
    const s = fakeService('bootstrap');
    expect(switchBootstrapMode(s, false)).toEqual({ ok: true, mode: 'peer' });
    expect(s.calls).toEqual(['peer']);
  });

  it('without a wish it flips the current mode', () => {
    expect(switchBootstrapMode(fakeService('peer'))).toEqual({ ok: true, mode: 'bootstrap' });
    expect(switchBootstrapMode(fakeService('bootstrap'))).toEqual({ ok: true, mode: 'peer' });
  });

  it('asking for the mode it is in changes nothing (no event, no write)', () => {
    const s = fakeService('bootstrap');
    expect(switchBootstrapMode(s, true)).toEqual({ ok: true, mode: 'bootstrap' });
    expect(s.calls).toEqual([]);
  });

  it('a failing switch does not throw: the mode stays and the reason is given', () => {
    const s = fakeService('peer', new Error('store is closed'));
    expect(switchBootstrapMode(s, true)).toEqual({ ok: false, mode: 'peer', error: 'store is closed' });
  });
});
