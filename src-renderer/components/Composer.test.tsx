// The composer counts a private room's post as it travels, sealed (roomPostRoom): a room post of
// exactly the limit may be sent, one byte more is refused before Send; a public chat keeps its own limit.
import { afterEach, describe, expect, it } from 'vitest';
import { postRoom, roomPostRoom } from '../../src-shared/post-size';
import { disposeRendered, renderWith } from '../testing/render';
import { Composer } from './Composer';

afterEach(disposeRendered);

const HOST = { host: '127.0.0.1', port: 4000 };
const CHAT = '7b0c1f7e-8d52-4d8e-9a40-3c1f2d6b9e11';
const open = { host: HOST, chatUuid: CHAT, name: 'room', key: `127.0.0.1:4000/${CHAT}` };
const ROOM = { host: HOST, chatUuid: CHAT, title: 'room', joinedAt: 0 };

function render(draft: string, isRoom: boolean): string {
  return renderWith(<Composer chat={open} stick={{ current: true }} disabled={false} />, (api) => ({
    settings: { ...api.settings, displayName: 'ann' },
    chats: { mine: [], hosts: [], rooms: isRoom ? [ROOM] : [] },
    drafts: { [open.key]: draft },
  }));
}

/** A draft that leaves exactly 0 bytes under `limit`. */
function atLimit(limit: typeof postRoom): string {
  const base = '文'.repeat(Math.floor(limit(CHAT, 'ann', '').max / 3) - 1);
  return base + 'a'.repeat(limit(CHAT, 'ann', base).remaining);
}

const sendDisabled = (html: string) => /<button[^>]*data-testid="message-submit"[^>]*disabled/.test(html);

describe('the composer of a private room', () => {
  it('lets a room post of exactly the sealed limit be sent', () => {
    const html = render(atLimit(roomPostRoom), true);
    expect(html).toContain('aria-invalid="false"');
    expect(html).toContain('0 bytes left');
    expect(sendDisabled(html)).toBe(false);
  });

  it('refuses one byte more before Send, saying by how much', () => {
    const html = render(`${atLimit(roomPostRoom)}a`, true);
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('1 bytes too long');
    expect(sendDisabled(html)).toBe(true);
  });

  it('refuses a room post the public limit would let through (it fails sealed)', () => {
    const html = render(atLimit(postRoom), true);
    expect(html).toContain('aria-invalid="true"');
    expect(sendDisabled(html)).toBe(true);
    // The same text in a public chat fits.
    expect(sendDisabled(render(atLimit(postRoom), false))).toBe(false);
  });
});
