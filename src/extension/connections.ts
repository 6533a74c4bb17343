// SSH connections for the UI: one pool, host-key trust by modal, secrets in SecretStorage only.
import * as vscode from 'vscode';
import { AnoleError } from '../core/errors';
import type { RemoteHost } from '../core/remote/host';
import { SshPool } from '../core/ssh/pool';
import { StoredSecretAuth, type SecretRequest } from '../core/ssh/storedSecrets';
import { trustHostKey, type HostKeyDetails } from '../core/ssh/hostKeyPolicy';
import { Disposable } from './dispose';
import { settings, SettingKeys, affects } from './settings';

const SECRET_PREFIX = 'anole.secret:';

/** Connections shared by every feature; dispose() closes them all. */
export class Connections extends Disposable {
  private pool: SshPool;
  /** Passphrases and passwords in SecretStorage, tracked per connection attempt. */
  private readonly auth: StoredSecretAuth;

  constructor(secrets: vscode.SecretStorage, private readonly log: vscode.LogOutputChannel) {
    super();
    this.auth = new StoredSecretAuth(
      {
        get: (key) => secrets.get(SECRET_PREFIX + key),
        store: (key, value) => secrets.store(SECRET_PREFIX + key, value),
        delete: (key) => secrets.delete(SECRET_PREFIX + key),
      },
      askSecret,
      (m) => log.warn(m),
    );
    this.pool = this.createPool();
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (affects(e, SettingKeys.sshConfigFile)) {
        const old = this.pool;
        this.pool = this.createPool();
        void old.closeAll();
      }
    }));
  }

  private createPool(): SshPool {
    return new SshPool({
      resolve: { configFile: settings.sshConfigFile() },
      log: (m) => this.log.debug(m),
    });
  }

  /**
   * A connected host for `destination`; asks to trust an unknown host key (once, modal). A stored
   * passphrase/password that no longer works is forgotten, so the next try asks again.
   */
  async get(destination: string): Promise<RemoteHost> {
    try {
      return await this.auth.connect(this.pool, destination);
    } catch (e) {
      const details = e instanceof AnoleError ? (e.details as HostKeyDetails | undefined) : undefined;
      if (e instanceof AnoleError && e.code === 'HOST_KEY_UNKNOWN' && details) {
        if (!(await askTrust(details))) throw new AnoleError('CANCELLED', vscode.l10n.t('Connection to {0} cancelled: host key not trusted', destination));
        await trustHostKey(details);
        this.log.info(`added ${details.keyType} key ${details.fingerprint} for ${details.host}:${details.port} to ${details.knownHostsFile}`);
        return this.auth.connect(this.pool, destination);
      }
      throw e;
    }
  }

  override dispose(): void {
    super.dispose();
    void this.pool.closeAll();
  }
}

/** Asks for a passphrase or password in a password box (never logged). */
async function askSecret(r: SecretRequest): Promise<string | undefined> {
  const prompt = r.kind === 'passphrase' ? vscode.l10n.t('Passphrase for {0}', r.subject) : vscode.l10n.t('Password for {0}', r.subject);
  return vscode.window.showInputBox({ prompt, password: true, ignoreFocusOut: true });
}

/** The modal the user answers before an unknown host key is written to known_hosts. */
async function askTrust(d: HostKeyDetails): Promise<boolean> {
  const trust = vscode.l10n.t('Trust and connect');
  const where = d.port === 22 ? d.host : `[${d.host}]:${d.port}`;
  const answer = await vscode.window.showWarningMessage(
    vscode.l10n.t('The authenticity of host {0} can\'t be established.', where),
    {
      modal: true,
      detail: vscode.l10n.t('{0} key fingerprint is {1}.\nCompare it with the one the host\'s admin gives you. Trusting adds it to {2}.',
        d.keyType, d.fingerprint, d.knownHostsFile ?? '~/.ssh/known_hosts'),
    },
    trust,
  );
  return answer === trust;
}
