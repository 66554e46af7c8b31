// The open chat's posts that wait in the outbox (their host did not answer): shown after the
// messages, marked "waiting for the host", each with Cancel; a post the host refused says why.
import { describeError } from '../lib/errors';
import { useActions, useNance, useT } from '../store/react';
import { pendingIn } from '../store/slices/outbox';
import { VisibleText } from './VisibleText';

export function PendingPosts({ chatKey }: { chatKey: string }) {
  const t = useT();
  const lang = useNance((s) => s.lang);
  const outbox = useNance((s) => s.outbox);
  const { cancelPost } = useActions();
  const posts = pendingIn(outbox, chatKey);
  if (posts.length === 0) return null;
  return (
    <ol className="pending-posts" data-testid="pending-posts" aria-label={t('chat.pendingLabel')}>
      {posts.map((p) => (
        <li key={p.id} className="message message-mine message-pending" data-testid="pending-post">
          <p className="message-content" dir="auto">
            <VisibleText text={p.content} mode="body" />
          </p>
          <div className="pending-meta">
            <span className="muted small" data-testid="pending-state">
              {p.failed
                ? t('chat.pendingFailed', {
                    reason: describeError({ kind: p.failed, message: '' }, lang).text,
                  })
                : t('chat.pending')}
            </span>
            <button
              type="button"
              className="button-quiet small"
              data-testid="pending-cancel"
              onClick={() => void cancelPost(p.id)}
            >
              {p.failed ? t('chat.dismissPost') : t('chat.cancelPost')}
            </button>
          </div>
        </li>
      ))}
    </ol>
  );
}
