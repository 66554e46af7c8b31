// Peer mode's main screen: the chat list beside the open chat, the new-chat form, or a hint.
import { useNance, useT } from '../store/react';
import { ChatList } from './ChatList';
import { ChatView } from './ChatView';
import './ChatsScreen.css';
import { NewChatForm } from './NewChatForm';

export function ChatsScreen() {
  const t = useT();
  const composing = useNance((s) => s.composing);
  const openKey = useNance((s) => s.openChat?.key ?? null);
  const paneOpen = composing || openKey !== null;

  return (
    <div className={`chats-screen${paneOpen ? ' pane-open' : ''}`}>
      <ChatList />
      <section className="chat-pane">
        {composing ? (
          <NewChatForm />
        ) : openKey ? (
          <ChatView key={openKey} />
        ) : (
          <div className="pane-empty" data-testid="chat-placeholder">
            <p>{t('chat.placeholder')}</p>
          </div>
        )}
      </section>
    </div>
  );
}
