// The window: top bar, banners, the current view, status bar. Also keeps <html> in step with the
// chosen language and theme.
import { useEffect } from 'react';
import { titleWithUnread } from '../../src-shared/unread-title';
import { useNance, useT } from '../store/react';
import { unreadTotal } from '../store/slices/activity';
import './App.css';
import { ConnectionBanner, ErrorBanner, StorageBanner, UpdateBanner } from './Banners';
import { BootstrapPanel } from './BootstrapPanel';
import { ChatsScreen } from './ChatsScreen';
import { Onboarding } from './Onboarding';
import { PeersView } from './PeersView';
import { SettingsView } from './SettingsView';
import { LoadFailed, Loading } from './States';
import { StatusBar } from './StatusBar';
import { TokenPage } from './TokenPage';
import { TopBar } from './TopBar';
import { WipeNotice } from './WipeNotice';

function useDocumentPrefs(): void {
  const lang = useNance((s) => s.lang);
  const theme = useNance((s) => s.theme);
  const unread = useNance(unreadTotal);
  const t = useT();

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  // The unread total leads the title: the browser's tab shows it, and the desktop shell reads it
  // back for its badge (src-shared/unread-title.ts).
  useEffect(() => {
    document.title = titleWithUnread(`${t('app.title')} — ${t('app.tagline')}`, unread);
  }, [t, unread]);

  useEffect(() => {
    const root = document.documentElement;
    if (theme !== 'system') {
      root.dataset.theme = theme;
      return;
    }
    const query = window.matchMedia?.('(prefers-color-scheme: dark)');
    const apply = () => {
      root.dataset.theme = query?.matches ? 'dark' : 'light';
    };
    apply();
    query?.addEventListener('change', apply);
    return () => query?.removeEventListener('change', apply);
  }, [theme]);
}

function MainView() {
  const phase = useNance((s) => s.phase);
  const view = useNance((s) => s.view);
  const mode = useNance((s) => s.status?.mode);
  const onboarded = useNance((s) => s.settings?.onboarded ?? true);
  const connection = useNance((s) => s.connection);

  if (connection === 'no-token' || connection === 'token-refused') return <TokenPage />;
  if (phase === 'loading') return <Loading />;
  if (phase === 'failed') return <LoadFailed />;
  if (!onboarded && mode === 'peer') return <Onboarding />;
  if (view === 'peers') return <PeersView />;
  if (view === 'settings') return <SettingsView />;
  return mode === 'bootstrap' ? <BootstrapPanel /> : <ChatsScreen />;
}

export function App() {
  useDocumentPrefs();
  return (
    <div className="app">
      <TopBar />
      <ConnectionBanner />
      <StorageBanner />
      <UpdateBanner />
      <WipeNotice />
      <ErrorBanner />
      <main id="main" className="app-main">
        <MainView />
      </main>
      <StatusBar />
    </div>
  );
}
