// The outbox as the window sees it: posts whose host did not answer, kept and resent by main
// (src-main/service/outbox.ts). Main pushes every change ('outboxChanged'); the window lists them
// under their chat as pending, and can cancel one.
import type { PendingPostDto } from '../../../src-shared/api';
import { chatKey } from '../../../src-shared/chat-key';
import type { Actions, NanceState } from '../state';
import type { SliceContext } from './context';

/** The pending posts of one chat, oldest first. */
export function pendingIn(outbox: PendingPostDto[], key: string): PendingPostDto[] {
  return outbox.filter((p) => chatKey({ host: p.host, chatUuid: p.chatUuid }) === key);
}

export function outboxSlice({ api, set, get, fail }: SliceContext): {
  initial: Pick<NanceState, 'outbox'>;
  actions: Pick<Actions, 'cancelPost'>;
  loadOutbox: () => Promise<void>;
  applyOutbox: (posts: PendingPostDto[]) => void;
} {
  const applyOutbox = (posts: PendingPostDto[]) => set({ outbox: posts });
  return {
    initial: { outbox: [] },
    applyOutbox,
    async loadOutbox() {
      const reply = await api.call('listOutbox', {});
      if (reply.ok) applyOutbox(reply.result);
    },
    actions: {
      async cancelPost(id) {
        const reply = await api.call('cancelPost', { id });
        if (!reply.ok) {
          fail('cancelPost', reply.error);
          return;
        }
        // Main announces the change too; drop it now so the click shows at once.
        set({ outbox: get().outbox.filter((p) => p.id !== id) });
      },
    },
  };
}
