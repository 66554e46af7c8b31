// The private rooms this peer created or joined: creating one (hosted here, sealed from its first
// message), its invite link, joining by a link, and reading and posting through the room's cipher.
// The host, the network and anyone without the link see only sealed texts (docs/security.md,
// "Private rooms").
import { randomUUID } from 'node:crypto';
import { formatInviteLink, parseInviteLink } from '../../../src-shared/invite-link.js';
import { type ChatMessage, parseTimestamp } from '../../../src-shared/protocol/index.js';
import { ROOM_WIRE_NAME } from '../../../src-shared/sealed-form.js';
import { NanceError } from '../errors.js';
import type { Signer } from '../identity/keys.js';
import type { Clock, Endpoint, Store, StoredChat, StoredRoom } from '../ports.js';
import { sameEndpoint } from '../ports.js';
import type { ChatRead } from '../read-bounds.js';
import { newRoomSecret, type RoomBinding, RoomCipher } from './room-crypto.js';
import { type OpenedPost, openPost, type RoomPost, sealPost } from './room-post.js';

/** What the rooms need of the peer: its chats, hosted and remote. */
export interface RoomPeer {
  readonly identity: Signer;
  createChat(
    name: string,
    firstMessage: string,
    author: string,
    options: { visibility: 'private'; uuid: string },
  ): Promise<StoredChat>;
  readChatSince(host: Endpoint | null, chatUuid: string, afterSeq: number): Promise<ChatRead>;
  postMessage(
    host: Endpoint | null,
    chatUuid: string,
    name: string,
    content: string,
    z: string,
    sign: false,
  ): Promise<void>;
  resolveHost(host: Endpoint | null, hostKey?: string): Endpoint | null;
}

export interface RoomMessage {
  uuid: string;
  createdAt: number;
  /** The opened post; null when it could not be decrypted (wrong key, forged, garbled). */
  post: OpenedPost | null;
}

export interface RoomRead {
  messages: RoomMessage[];
  lastSeq: number;
  full: boolean;
}

/** The name a room's chat has in the host's store: its title is only inside the first message. */
const STORED_ROOM_NAME = 'private room';

export class PrivateRooms {
  constructor(
    private readonly peer: RoomPeer,
    private readonly store: Pick<Store, 'saveRoom' | 'listRooms'>,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  /** Newest first. */
  list(): StoredRoom[] {
    return this.store.listRooms();
  }

  /** The room at `host` (null: hosted here) with this uuid, if we hold its key. */
  find(host: Endpoint | null, chatUuid: string): StoredRoom | undefined {
    return this.list().find(
      (r) =>
        r.chatUuid === chatUuid &&
        (r.host === null ? host === null : host !== null && sameEndpoint(r.host, host)),
    );
  }

  /** A new room hosted here; its first message carries the title, sealed like every message. */
  async create(title: string, firstMessage: string, author: string): Promise<StoredRoom> {
    const room: StoredRoom = {
      host: null,
      chatUuid: randomUUID(),
      hostKey: this.peer.identity.publicKey,
      secret: Buffer.from(newRoomSecret()).toString('base64url'),
      title,
      joinedAt: this.clock.now(),
    };
    const sealed = this.seal(room, { name: author, content: firstMessage, title }, randomUUID());
    await this.peer.createChat(STORED_ROOM_NAME, sealed, ROOM_WIRE_NAME, {
      visibility: 'private',
      uuid: room.chatUuid,
    });
    this.store.saveRoom(room);
    return room;
  }

  /** The invite link of a room we hold; `self` is where others reach this peer (for rooms hosted here). */
  inviteLink(room: StoredRoom, self: Endpoint): string {
    return formatInviteLink({
      host: room.host ?? self,
      hostKey: room.hostKey,
      chatUuid: room.chatUuid,
      secret: room.secret,
    });
  }

  /**
   * Joins by a link: reads the room from its host and keeps it only if the link's key opens its
   * first message (which names the room). A bad link, an unknown room or a wrong key throws.
   */
  async join(linkText: string): Promise<StoredRoom> {
    let link: ReturnType<typeof parseInviteLink>;
    try {
      link = parseInviteLink(linkText);
    } catch (err) {
      throw new NanceError('bad-link', err instanceof Error ? err.message : String(err));
    }
    const candidate: StoredRoom = {
      host: link.host,
      chatUuid: link.chatUuid,
      hostKey: link.hostKey,
      secret: link.secret,
      title: '',
      joinedAt: this.clock.now(),
    };
    const first = (await this.read(candidate, 0)).messages[0];
    const title = first?.post?.title;
    if (title === undefined) {
      throw new NanceError('wrong-key', "the link's key does not open this room");
    }
    const room = { ...candidate, title };
    this.store.saveRoom(room);
    return room;
  }

  async read(room: StoredRoom, afterSeq: number): Promise<RoomRead> {
    const { messages, lastSeq, full } = await this.peer.readChatSince(
      this.hostOf(room),
      room.chatUuid,
      afterSeq,
    );
    return { messages: this.open(room, messages), lastSeq, full };
  }

  /** The joined room at `host` with this uuid: a push from there belongs to it. */
  joinedRoom(host: Endpoint, chatUuid: string): StoredRoom | undefined {
    return this.list().find((r) => {
      if (r.host === null || r.chatUuid !== chatUuid) return false;
      // Only the room's own host (wherever its key is now): another host pushing this uuid is not it.
      const at = this.hostOf(r);
      return at !== null && sameEndpoint(at, host);
    });
  }

  /** The room's messages as its cipher opens them (read or pushed alike). */
  open(room: StoredRoom, messages: ChatMessage[]): RoomMessage[] {
    const cipher = this.cipherOf(room);
    return messages.map((m) => ({
      uuid: m.uuid,
      createdAt: parseTimestamp(m.timestamp),
      post: openPost(cipher, room, m.content),
    }));
  }

  async post(room: StoredRoom, name: string, content: string): Promise<void> {
    // One z for the request and the signature inside: a resend is the same post.
    const z = randomUUID();
    const sealed = this.seal(room, { name, content }, z);
    await this.peer.postMessage(this.hostOf(room), room.chatUuid, ROOM_WIRE_NAME, sealed, z, false);
  }

  /** Where the room's host is now: the address its key was last proven at (it may have moved). */
  private hostOf(room: StoredRoom): Endpoint | null {
    return this.peer.resolveHost(room.host, room.hostKey);
  }

  private seal(room: StoredRoom, post: RoomPost, z: string): string {
    return sealPost(this.cipherOf(room), room, post, this.peer.identity, this.clock.now(), z);
  }

  private cipherOf(room: StoredRoom): RoomCipher {
    const binding: RoomBinding = { hostKey: room.hostKey, chatUuid: room.chatUuid };
    return new RoomCipher(Buffer.from(room.secret, 'base64url'), binding);
  }
}
