// The state of the link between the window and the main side, as the window needs to know it
// (for the "connection lost" banner and to catch up after a reconnect), whatever carries it.

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

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
