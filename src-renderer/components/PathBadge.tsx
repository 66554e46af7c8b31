// A small badge saying how another peer is reached (direct, hole punched, port mapped, relayed) and
// in which family (IPv4, IPv6), with a tooltip explaining it. Nothing while the path is not known yet.
import type { PathDto } from '../../src-shared/api';
import { pathWords } from '../lib/path';
import { useT } from '../store/react';
import './PathBadge.css';

export function PathBadge({ path, testId }: { path: PathDto | null; testId: string }) {
  const t = useT();
  if (path === null) return null;
  const { label, help, family } = pathWords(path);
  return (
    <span
      className={`badge path-badge path-${path.kind}`}
      data-testid={testId}
      data-path={path.kind}
      data-family={path.family}
      title={t(help.key, help.params)}
    >
      {`${t(label.key, label.params)} · ${t(family.key)}`}
    </span>
  );
}
