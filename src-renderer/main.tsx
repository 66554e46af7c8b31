// Entry point: pick the transport, make the store, follow the connection, render.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBridge } from './bridge';
import { App } from './components/App';
import { browserNotifier } from './components/notifications';
import { StoreContext } from './store/react';
import { createNanceStore } from './store/store';
import '@fontsource/noto-color-emoji';
import './styles/base.css';

function localStore(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const bridge = createBridge(window);
const store = createNanceStore(bridge.api, {
  prefs: localStore(),
  navigatorLanguage: navigator.language,
  windowFocused: () => document.hasFocus(),
  notify: browserNotifier(() => store.getState().lang),
});
const { actions } = store.getState();
actions.setConnection(bridge.connection.connectionState);
bridge.connection.onConnectionChange((state) => actions.setConnection(state));
void actions.init();

const container = document.getElementById('root');
if (container) {
  createRoot(container).render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    </StrictMode>,
  );
}
