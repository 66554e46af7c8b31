// Settings' Identity section: who this install is (name + fingerprint in its colour), its backup
// (a file, optionally protected by a passphrase, and the recovery phrase, shown only when asked and
// with a warning), and restoring another identity (file or phrase; checked first, then replaced
// only after the person confirms). Secrets live in this component's state only while shown.
import { type ChangeEvent, useEffect, useId, useState } from 'react';
import type { BackupProblem, IdentityDto } from '../../src-shared/api';
import type { MessageKey, Params } from '../i18n';
import { saveTextFile } from '../lib/download';
import { MAX_BACKUP_CHARS } from '../lib/validate';
import { useActions, useNance, useT } from '../store/react';
import { authorName } from '../store/slices/preferences';
import { KeyFingerprint } from './KeyFingerprint';
import { Isolated, Sentence, VisibleText } from './VisibleText';
import './Forms.css';
import './IdentitySection.css';
import './Page.css';

type Problem = { key: MessageKey; params?: Params };

const problemText = (p: BackupProblem): Problem => {
  switch (p.reason) {
    case 'word-count':
      return { key: 'identity.problem.word-count', params: { count: p.count } };
    case 'unknown-word':
      return { key: 'identity.problem.unknown-word', params: { position: p.position, word: p.word } };
    default:
      return { key: `identity.problem.${p.reason}` };
  }
};

function BackupPart({ identity }: { identity: IdentityDto }) {
  const t = useT();
  const { exportIdentity } = useActions();
  const ids = useId();
  const [passphrase, setPassphrase] = useState('');
  const [exporting, setExporting] = useState(false);
  const [exported, setExported] = useState(false);
  const [phrase, setPhrase] = useState<string | null>(null);

  const exportFile = async () => {
    setExporting(true);
    setExported(false);
    const result = await exportIdentity(passphrase || undefined);
    setExporting(false);
    if (!result) return; // the banner says why
    saveTextFile(`nance-identity-${identity.fingerprint}.json`, result.backup);
    setExported(true);
  };

  const togglePhrase = async () => {
    if (phrase !== null) {
      setPhrase(null);
      return;
    }
    const result = await exportIdentity();
    if (result) setPhrase(result.phrase);
  };

  return (
    <div className="identity-part">
      <h4>{t('identity.exportTitle')}</h4>
      <p className="field-help">{t('identity.exportHelp')}</p>
      <div className="field">
        <label className="field-label" htmlFor={`${ids}-passphrase`}>
          {t('identity.passphraseLabel')}
        </label>
        <input
          id={`${ids}-passphrase`}
          data-testid="identity-export-passphrase"
          type="password"
          autoComplete="new-password"
          aria-describedby={`${ids}-passphrase-help`}
          maxLength={1024}
          value={passphrase}
          onChange={(e) => setPassphrase(e.target.value)}
        />
        <span className="field-help" id={`${ids}-passphrase-help`}>
          {t('identity.passphraseHelp')}
        </span>
      </div>
      <div className="form-actions">
        <button
          type="button"
          className="button-secondary"
          data-testid="identity-export"
          disabled={exporting}
          onClick={() => void exportFile()}
        >
          {exporting ? t('identity.exporting') : t('identity.export')}
        </button>
        {exported && (
          <span className="saved" role="status" data-testid="identity-exported">
            ✓ {t('identity.exported')}
          </span>
        )}
        <button
          type="button"
          className="button-secondary"
          data-testid="identity-show-phrase"
          aria-expanded={phrase !== null}
          onClick={() => void togglePhrase()}
        >
          {phrase === null ? t('identity.showPhrase') : t('identity.hidePhrase')}
        </button>
      </div>
      {phrase !== null && (
        <div className="callout identity-phrase-box">
          <p role="alert" data-testid="identity-phrase-warning">
            {t('identity.phraseWarning')}
          </p>
          <ol
            className="identity-phrase mono"
            data-testid="identity-phrase"
            translate="no"
            aria-label={t('identity.phraseLabel')}
          >
            {phrase.split(' ').map((word, i) => (
              // A phrase may repeat a word; its place is its identity.
              // biome-ignore lint/suspicious/noArrayIndexKey: see above
              <li key={i}>{word}</li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}

function RestorePart({ current }: { current: IdentityDto }) {
  const t = useT();
  const { importIdentity } = useActions();
  const ids = useId();
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [fileInputKey, setFileInputKey] = useState(0);
  const [phrase, setPhrase] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [pending, setPending] = useState<IdentityDto | null>(null);
  const [replaced, setReplaced] = useState<IdentityDto | null>(null);

  const source = () =>
    file ? { backup: file.text, ...(passphrase ? { passphrase } : {}) } : phrase.trim() ? { phrase } : null;

  const reset = () => {
    setProblem(null);
    setPending(null);
    setReplaced(null);
  };

  const chooseFile = async (e: ChangeEvent<HTMLInputElement>) => {
    reset();
    const chosen = e.target.files?.[0];
    if (!chosen) return setFile(null);
    setPhrase('');
    if (chosen.size > MAX_BACKUP_CHARS) {
      setFile(null);
      setProblem({ key: 'identity.fileTooLarge' });
      return;
    }
    setFile({ name: chosen.name, text: await chosen.text() });
  };

  const run = async (preview: boolean) => {
    const from = source();
    if (!from) {
      setProblem({ key: 'identity.nothingToImport' });
      return;
    }
    setBusy(true);
    const result = await importIdentity(from, preview);
    setBusy(false);
    setPending(null);
    if (!result) return; // the banner says why
    if ('problem' in result) {
      setProblem(problemText(result.problem));
      return;
    }
    setProblem(null);
    if (preview) {
      setPending(result.identity);
      return;
    }
    setReplaced(result.identity);
    // The secret goes as soon as it is used.
    setFile(null);
    setFileInputKey((k) => k + 1);
    setPhrase('');
    setPassphrase('');
  };

  return (
    <div className="identity-part">
      <h4>{t('identity.importTitle')}</h4>
      <p className="field-help">{t('identity.importHelp')}</p>
      <div className="field">
        <label className="field-label" htmlFor={`${ids}-file`}>
          {t('identity.importFile')}
        </label>
        <input
          key={fileInputKey}
          id={`${ids}-file`}
          data-testid="identity-import-file"
          type="file"
          accept=".json,application/json"
          onChange={(e) => void chooseFile(e)}
        />
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`${ids}-passphrase`}>
          {t('identity.importPassphrase')}
        </label>
        <input
          id={`${ids}-passphrase`}
          data-testid="identity-import-passphrase"
          type="password"
          autoComplete="off"
          maxLength={1024}
          value={passphrase}
          onChange={(e) => {
            setPassphrase(e.target.value);
            reset();
          }}
        />
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`${ids}-phrase`}>
          {t('identity.importPhrase')}
        </label>
        <textarea
          id={`${ids}-phrase`}
          data-testid="identity-import-phrase"
          className="mono"
          rows={3}
          // The secret must not reach a spelling or translation service.
          spellCheck={false}
          translate="no"
          autoComplete="off"
          maxLength={1024}
          value={phrase}
          onChange={(e) => {
            setPhrase(e.target.value);
            if (file) {
              setFile(null);
              setFileInputKey((k) => k + 1);
            }
            reset();
          }}
        />
      </div>
      {problem && (
        <span className="field-error" role="alert" data-testid="identity-import-error">
          {t(problem.key, problem.params)}
        </span>
      )}
      {pending ? (
        <div className="callout" data-testid="identity-import-confirm">
          <p>
            <Sentence
              k="identity.confirm"
              params={{
                current: <KeyFingerprint identity={current} />,
                next: <KeyFingerprint identity={pending} testId="identity-import-next" />,
              }}
            />
          </p>
          <div className="form-actions">
            <button
              type="button"
              className="button-primary"
              data-testid="identity-import-replace"
              disabled={busy}
              onClick={() => void run(false)}
            >
              {t('identity.replace')}
            </button>
            <button
              type="button"
              className="button-secondary"
              data-testid="identity-import-cancel"
              onClick={() => setPending(null)}
            >
              {t('identity.cancel')}
            </button>
          </div>
        </div>
      ) : (
        <div className="form-actions">
          <button
            type="button"
            className="button-secondary"
            data-testid="identity-import-check"
            disabled={busy}
            onClick={() => void run(true)}
          >
            {busy ? t('identity.checking') : t('identity.check')}
          </button>
        </div>
      )}
      {replaced && (
        <span className="saved" role="status" data-testid="identity-imported">
          ✓{' '}
          <Sentence
            k="identity.replaced"
            params={{ fingerprint: <Isolated text={replaced.fingerprint} /> }}
          />
        </span>
      )}
    </div>
  );
}

export function IdentitySection() {
  const t = useT();
  const identity = useNance((s) => s.identity);
  const name = useNance(authorName);
  const { loadIdentity } = useActions();
  const ids = useId();
  useEffect(() => {
    void loadIdentity();
  }, [loadIdentity]);

  return (
    <section className="settings-section" aria-labelledby={`${ids}-title`} data-testid="identity-section">
      <h3 id={`${ids}-title`}>{t('identity.title')}</h3>
      <p className="muted">{t('identity.help')}</p>
      {identity === null ? (
        <p className="muted">{t('identity.loading')}</p>
      ) : (
        <>
          <p className="identity-who">
            <span className="identity-name" dir="auto" data-testid="identity-name">
              <VisibleText text={name} />
            </span>
            <KeyFingerprint identity={identity} testId="identity-fingerprint" />
          </p>
          <BackupPart identity={identity} />
          <RestorePart current={identity} />
        </>
      )}
    </section>
  );
}
