// This install's identity as the window sees it: the key's fingerprint and colour, and the
// export / import of its backup. The secret (backup text, phrase) is never kept in the store:
// the caller gets it, uses it, and lets it go.
import type { IdentityExportDto, IdentityImportDto } from '../../../src-shared/api';
import type { Actions, NanceState } from '../state';
import type { SliceContext } from './context';

type IdentityActions = Pick<Actions, 'loadIdentity' | 'exportIdentity' | 'importIdentity'>;

export function identitySlice({ api, set, fail, clearErrorOf }: SliceContext): {
  initial: Pick<NanceState, 'identity'>;
  actions: IdentityActions;
} {
  const actions: IdentityActions = {
    async loadIdentity() {
      const reply = await api.call('getIdentity', {});
      if (!reply.ok) {
        fail('getIdentity', reply.error);
        return;
      }
      set({ identity: reply.result });
    },

    async exportIdentity(passphrase): Promise<IdentityExportDto | null> {
      const reply = await api.call('exportIdentity', passphrase ? { passphrase } : {});
      if (!reply.ok) {
        fail('exportIdentity', reply.error);
        return null;
      }
      clearErrorOf('exportIdentity');
      return reply.result;
    },

    async importIdentity(source, preview): Promise<IdentityImportDto | null> {
      const reply = await api.call('importIdentity', { ...source, ...(preview ? { preview: true } : {}) });
      if (!reply.ok) {
        fail('importIdentity', reply.error);
        return null;
      }
      clearErrorOf('importIdentity');
      if (!preview && 'identity' in reply.result) set({ identity: reply.result.identity });
      return reply.result;
    },
  };
  return { initial: { identity: null }, actions };
}
