// The window's state: its shape, the actions that change it, and the options of the store. The
// slices in ./slices own its parts; ./store.ts puts them together.
import type {
  ChatListDto,
  CommandError,
  EndpointDto,
  IdentityDto,
  IdentityExportDto,
  IdentityImportDto,
  MessageDto,
  Mode,
  PeerDto,
  PendingPostDto,
  SettingsDto,
  StatusDto,
} from '../../src-shared/api';
import type { ConnectionState } from '../bridge/connection';
import type { Lang } from '../i18n';
import type { ActivityMap } from '../lib/chat-activity';
import type { PrefsStorage, Theme } from './prefs';
import type { NewMessageNotice } from './slices/activity';

export type View = 'chats' | 'peers' | 'settings';

export interface ChatRef {
  host: EndpointDto | null;
  /** The host's key, when it proved one: main asks wherever that key is now (a host that moved). */
  hostKey?: string;
  chatUuid: string;
  name: string;
}

export interface OpenChat extends ChatRef {
  key: string;
}

export interface MessagesState {
  key: string;
  /** null until the first read answers. */
  items: MessageDto[] | null;
  /** The cursor: `lastSeq` of the last read (0 before the first); the next read asks for what follows. */
  lastSeq: number;
  loading: boolean;
  /** Why the last read failed (cleared by the next successful one). */
  error: CommandError | null;
  /** The host pushes what is new (its last read said so, or a push followed the cursor); absent: not known to. */
  live?: boolean;
}

/** The newest message the window has read in a chat, for the chat list (memory only). */
export interface Preview {
  name: string;
  content: string;
  at: number;
}

export type ActionName =
  | 'load'
  | 'listChats'
  | 'refreshChats'
  | 'listPeers'
  | 'createChat'
  | 'postMessage'
  | 'updateSettings'
  | 'setMode'
  | 'getIdentity'
  | 'exportIdentity'
  | 'importIdentity'
  | 'cancelPost'
  | 'restartToUpdate';

export interface ActionError {
  action: ActionName;
  error: CommandError;
}

export interface Busy {
  creating: boolean;
  posting: boolean;
  savingSettings: boolean;
  switchingMode: boolean;
  refreshing: boolean;
}

export interface Actions {
  /** Subscribes to events, loads everything, starts the clock. Safe to call again after a failure. */
  init(): Promise<void>;
  /** Re-reads everything (after a reconnect, a mode switch or the daily wipe). */
  resync(): Promise<void>;
  dispose(): void;
  setConnection(state: ConnectionState): void;
  tick(now?: number): void;
  setView(view: View): void;
  setFilter(filter: string): void;
  showNewChat(): void;
  cancelNewChat(): void;
  openChat(ref: ChatRef): void;
  closeChat(): void;
  loadChats(): Promise<void>;
  refreshChats(): Promise<void>;
  loadPeers(): Promise<void>;
  /** `isPrivate`: a private room (end-to-end encrypted, joined only by its invite link). */
  createChat(name: string, message: string, isPrivate?: boolean): Promise<boolean>;
  /** Joins a private room by its link and opens it; the error when it fails. */
  joinRoom(link: string): Promise<CommandError | null>;
  /** A private room's invite link, or the error. */
  inviteLink(ref: Pick<ChatRef, 'host' | 'chatUuid'>): Promise<{ link: string } | { error: CommandError }>;
  postMessage(content: string): Promise<boolean>;
  /** Takes a pending post out of the outbox. */
  cancelPost(id: string): Promise<void>;
  /** Keeps (or, when empty, forgets) the unsent text of chat `key`. */
  setDraft(key: string, text: string): void;
  saveSettings(changes: Partial<SettingsDto>): Promise<boolean>;
  /** The desktop app quits and installs the downloaded update (StatusDto.update). */
  restartToUpdate(): Promise<boolean>;
  finishOnboarding(displayName: string, bootstrap: string | null): Promise<boolean>;
  skipOnboarding(): Promise<boolean>;
  setMode(mode: Mode): Promise<boolean>;
  dismissError(): void;
  setLang(lang: Lang): void;
  setTheme(theme: Theme): void;
  loadIdentity(): Promise<void>;
  /** The backup file's text (sealed with `passphrase` when given) and the recovery phrase; null when it failed (the banner says why). */
  exportIdentity(passphrase?: string): Promise<IdentityExportDto | null>;
  /** Reads a backup or phrase; `preview` only says whose it is. Null when the call failed (the banner says why). */
  importIdentity(
    source: { backup: string; passphrase?: string } | { phrase: string },
    preview: boolean,
  ): Promise<IdentityImportDto | null>;
}

export interface NanceState {
  phase: 'loading' | 'ready' | 'failed';
  loadError: CommandError | null;
  connection: ConnectionState;
  /** The clock the views count with (ticks every second). */
  now: number;
  status: StatusDto | null;
  settings: SettingsDto | null;
  /** This install's key (null until loaded). */
  identity: IdentityDto | null;
  chats: ChatListDto | null;
  peers: PeerDto[] | null;
  view: View;
  /** The new-chat form is showing. */
  composing: boolean;
  openChat: OpenChat | null;
  messages: MessagesState | null;
  filter: string;
  /** Per chatKey: how far the window has read and seen (unread counts), activity, pinning. */
  activity: ActivityMap;
  /** Per chatKey: the newest message read. */
  previews: Record<string, Preview>;
  /** Posts whose host did not answer yet (main resends them), oldest first. */
  outbox: PendingPostDto[];
  /** The last daily wipe this window saw pass: when, and how many chats it listed before. */
  lastWipe: { at: number; chats: number } | null;
  /** Unsent composer text by chat key. */
  drafts: Record<string, string>;
  busy: Busy;
  error: ActionError | null;
  lang: Lang;
  theme: Theme;
  actions: Actions;
}

export interface StoreOptions {
  /** Where language and theme are remembered (localStorage in the window). */
  prefs?: PrefsStorage | null;
  navigatorLanguage?: string;
  /** How often the open remote chat is re-read. */
  pollIntervalMs?: number;
  /** How often it is re-read while its host pushes new messages (a lost push costs at most this). */
  livePollIntervalMs?: number;
  /** How often the chat list is re-read as a safety net for missed events; 0 = never. */
  listRefreshMs?: number;
  /** How often `now` advances; 0 = only by tick(). */
  tickMs?: number;
  now?: () => number;
  /** How often the pinned chats that are not open are read for their unread counts; 0 = never. */
  watchIntervalMs?: number;
  /** Is the window in front (for notifications); default: always. */
  windowFocused?: () => boolean;
  /** Shows a notification for a new message (the browser window's Notification); default none. */
  notify?: ((notice: NewMessageNotice) => void) | null;
}
