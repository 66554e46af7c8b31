// The state of the link between the window and the main side, as the window needs to know it
// (for the "connection lost" banner and to catch up after a reconnect), whatever carries it.

/**
 * 'no-token': the page was opened without its access token; 'token-refused': the web host does not
 * take the token (it restarted with a new one). Both stay until a new link is opened.
 */
export type ConnectionState =
  | 'connecting'
  | 'open'
  | 'reconnecting'
  | 'closed'
  | 'no-token'
  | 'token-refused';

export interface ConnectionSource {
  readonly connectionState: ConnectionState;
  /** Calls `listener` on every change; returns the unsubscribe function. */
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
}

/** For a transport that cannot drop (Electron IPC). */
export const alwaysOpen: ConnectionSource = {
  connectionState: 'open',
  onConnectionChange: () => () => {},
};
