// A private room's invite link, one owner for its form:
//   nance://join/<host ip:port>/<host key>/<chat uuid>#<room secret>
// The secret rides in the fragment, the part a link's host never receives. Parsing is strict: a
// link that is not exactly this form is refused with a sentence saying what is wrong.
import type { Endpoint } from './endpoint.js';

export interface InviteLink {
  /** Where the room's host answers (an IPv4 literal and a port). */
  host: Endpoint;
  /** The host's public key: 32 bytes in base64url. */
  hostKey: string;
  chatUuid: string;
  /** The room secret: 32 bytes in base64url. */
  secret: string;
}

const SCHEME = 'nance://join/';
// 43 base64url characters hold 32 bytes only when the last one's low two bits are zero.
const KEY_32_BYTES = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const PORT = /^[1-9]\d{0,4}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class InviteLinkError extends Error {
  override readonly name = 'InviteLinkError';
}

export function formatInviteLink(link: InviteLink): string {
  return `${SCHEME}${link.host.host}:${link.host.port}/${link.hostKey}/${link.chatUuid}#${link.secret}`;
}

/** The parts of a pasted link (surrounding whitespace ignored); throws InviteLinkError. */
export function parseInviteLink(text: string): InviteLink {
  const link = text.trim();
  if (!link.startsWith(SCHEME)) throw new InviteLinkError(`an invite link starts with ${SCHEME}`);
  const hash = link.indexOf('#');
  if (hash < 0) throw new InviteLinkError('the link has no room key (the part after #)');
  const secret = link.slice(hash + 1);
  const parts = link.slice(SCHEME.length, hash).split('/');
  if (parts.length !== 3) throw new InviteLinkError('expected nance://join/HOST:PORT/HOST-KEY/ROOM#KEY');
  const [address, hostKey, chatUuid] = parts as [string, string, string];
  const colon = address.lastIndexOf(':');
  const ip = address.slice(0, colon);
  const portText = address.slice(colon + 1);
  const port = Number(portText);
  if (colon < 0 || !IPV4.test(ip) || !PORT.test(portText) || port > 65_535) {
    throw new InviteLinkError('the host address is not an IPv4 address with a port');
  }
  if (!KEY_32_BYTES.test(hostKey)) throw new InviteLinkError("the host's key is malformed");
  if (!UUID.test(chatUuid)) throw new InviteLinkError("the room's id is malformed");
  if (!KEY_32_BYTES.test(secret)) throw new InviteLinkError("the room's key is malformed");
  return { host: { host: ip, port }, hostKey, chatUuid, secret };
}
