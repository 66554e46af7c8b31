// Navigation: which view shows, the new-chat form, the chat list's filter, and opening and closing
// a chat (its messages are the reads slice's).
import { chatKey } from '../../../src-shared/chat-key';
import type { Actions, NanceState } from '../state';
import type { Activity } from './activity';
import type { SliceContext } from './context';
import { authorName } from './preferences';
import type { Reads } from './reads';

type NavigationActions = Pick<
  Actions,
  | 'setView'
  | 'setFilter'
  | 'showNewChat'
  | 'cancelNewChat'
  | 'openChat'
  | 'closeChat'
  | 'createChat'
  | 'joinRoom'
  | 'inviteLink'
  | 'dismissError'
>;

export function navigationSlice(
  ctx: SliceContext,
  reads: Reads,
  activity: Activity,
  loadChats: () => Promise<void>,
  loadPeers: () => Promise<void>,
): { initial: Pick<NanceState, 'view' | 'composing' | 'filter'>; actions: NavigationActions } {
  const { api, get, set, fail, clearErrorOf, setBusy } = ctx;
  const actions: NavigationActions = {
    setView(view) {
      set({ view });
      if (view === 'peers') void loadPeers();
    },

    setFilter(filter) {
      set({ filter });
    },

    showNewChat() {
      if (get().status?.mode === 'bootstrap') return;
      reads.close();
      set({ composing: true, view: 'chats' });
    },

    cancelNewChat() {
      clearErrorOf('createChat');
      set({ composing: false });
    },

    openChat(ref) {
      const key = chatKey(ref);
      if (get().openChat?.key === key) {
        set({ composing: false, view: 'chats' });
        return;
      }
      reads.close();
      clearErrorOf('postMessage', 'createChat');
      set({ composing: false, view: 'chats' });
      activity.opened(ref);
      reads.start({ ...ref, key });
    },

    closeChat() {
      clearErrorOf('postMessage');
      reads.close();
    },

    async createChat(name, message, isPrivate = false) {
      setBusy({ creating: true });
      const author = authorName(get());
      const reply = await api.call('createChat', {
        name: name.trim(),
        message,
        author,
        ...(isPrivate ? { private: true } : {}),
      });
      setBusy({ creating: false });
      if (!reply.ok) {
        fail('createChat', reply.error);
        return false;
      }
      set({ error: null });
      await loadChats();
      activity.posted({ host: null, chatUuid: reply.result.uuid });
      actions.openChat({ host: null, chatUuid: reply.result.uuid, name: reply.result.name });
      return true;
    },

    async joinRoom(link) {
      const reply = await api.call('joinRoom', { link });
      if (!reply.ok) return reply.error;
      await loadChats();
      const { host, chatUuid, title } = reply.result;
      actions.openChat({ host, chatUuid, name: title });
      return null;
    },

    async inviteLink(ref) {
      const reply = await api.call('getInviteLink', { host: ref.host, chatUuid: ref.chatUuid });
      return reply.ok ? reply.result : { error: reply.error };
    },

    dismissError() {
      set({ error: null });
    },
  };
  return { initial: { view: 'chats', composing: false, filter: '' }, actions };
}
