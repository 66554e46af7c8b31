// The identity slice against the in-memory contract double: a preview changes nothing, a replace
// shows the new key at once, a refused backup is an answer (not a banner), a failed call is.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeNanceApi } from '../../testing/fake-api';
import { createNanceStore, type NanceStore } from '../store';

const stores: NanceStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.getState().actions.dispose();
});

function setup() {
  const api = new FakeNanceApi();
  const store = createNanceStore(api, { tickMs: 0, listRefreshMs: 0 });
  stores.push(store);
  return { api, state: () => store.getState(), actions: store.getState().actions };
}

describe('identity slice', () => {
  it('loads the identity', async () => {
    const { api, state, actions } = setup();
    expect(state().identity).toBeNull();
    await actions.loadIdentity();
    expect(state().identity?.fingerprint).toBe(api.identity.fingerprint);
  });

  it('a preview leaves the shown identity alone; a replace shows the new one', async () => {
    const { api, state, actions } = setup();
    await actions.loadIdentity();
    const before = state().identity;
    const preview = await actions.importIdentity({ phrase: 'any words' }, true);
    expect(preview).toEqual(api.importAnswer);
    expect(api.calls.at(-1)).toEqual({
      command: 'importIdentity',
      args: { phrase: 'any words', preview: true },
    });
    expect(state().identity).toBe(before);
    await actions.importIdentity({ phrase: 'any words' }, false);
    expect(api.calls.at(-1)).toEqual({ command: 'importIdentity', args: { phrase: 'any words' } });
    expect(state().identity?.fingerprint).toBe('q2zz-8hn4-w0c1');
  });

  it('a refused backup is returned to the form, not shown as a failure', async () => {
    const { api, state, actions } = setup();
    api.importAnswer = { problem: { reason: 'checksum' } };
    expect(await actions.importIdentity({ backup: '{}', passphrase: 'pw' }, false)).toEqual({
      problem: { reason: 'checksum' },
    });
    expect(state().error).toBeNull();
    expect(state().identity).toBeNull();
  });

  it('a failed export goes to the banner and returns nothing', async () => {
    const { api, state, actions } = setup();
    api.failNext('exportIdentity', { kind: 'closed', message: 'gone' });
    expect(await actions.exportIdentity('pw')).toBeNull();
    expect(state().error).toEqual({ action: 'exportIdentity', error: { kind: 'closed', message: 'gone' } });
    const ok = await actions.exportIdentity();
    expect(ok?.phrase.split(' ')).toHaveLength(24);
    expect(state().error).toBeNull();
  });
});
