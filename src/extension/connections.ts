// SSH connections for the UI: one pool, host-key trust by modal, secrets in SecretStorage only.
import * as vscode from 'vscode';
import { AnoleError } from '../core/errors';
import type { RemoteHost } from '../core/remote/host';
import { SshPool } from '../core/ssh/pool';
import { trustHostKey, type HostKeyDetails } from '../core/ssh/hostKeyPolicy';
import { settings, SettingKeys, affects } from './settings';

const SECRET_PREFIX = 'anole.secret:';

/** Connections shared by every feature; dispose() closes them all. */
export class Connections implements vscode.Disposable {
  private pool: SshPool;
  /** Secrets read from storage during the current attempt, forgotten if authentication fails. */
  private usedStored = new Set<string>();
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly secrets: vscode.SecretStorage, private readonly log: vscode.LogOutputChannel) {
    this.pool = this.createPool();
    this.subs.push(vscode.workspace.onDidChangeConfiguration((e) => {
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
      passphrase: (keyPath) => this.secret(`passphrase:${keyPath}`, vscode.l10n.t('Passphrase for {0}', keyPath)),
      password: (label) => this.secret(`password:${label}`, vscode.l10n.t('Password for {0}', label)),
      log: (m) => this.log.debug(m),
    });
  }

  /** A stored secret, else one asked for (and stored). Never logged. */
  private async secret(key: string, prompt: string): Promise<string | undefined> {
    const stored = await this.secrets.get(SECRET_PREFIX + key);
    if (stored !== undefined) {
      this.usedStored.add(key);
      return stored;
    }
    const value = await vscode.window.showInputBox({ prompt, password: true, ignoreFocusOut: true });
    if (value !== undefined) await this.secrets.store(SECRET_PREFIX + key, value);
    return value;
  }

  /** A connected host for `destination`; asks to trust an unknown host key (once, modal). */
  async get(destination: string): Promise<RemoteHost> {
    this.usedStored.clear();
    try {
      return await this.pool.get(destination);
    } catch (e) {
      if (e instanceof AnoleError && e.code === 'SSH_AUTH' && this.usedStored.size > 0) {
        // A stored passphrase/password no longer works: forget it so the next try asks again.
        for (const key of this.usedStored) await this.secrets.delete(SECRET_PREFIX + key);
        this.log.warn(`forgot ${this.usedStored.size} stored secret(s) for ${destination} after authentication failed`);
      }
      const details = e instanceof AnoleError ? (e.details as HostKeyDetails | undefined) : undefined;
      if (e instanceof AnoleError && e.code === 'HOST_KEY_UNKNOWN' && details) {
        if (!(await askTrust(details))) throw new AnoleError('CANCELLED', vscode.l10n.t('Connection to {0} cancelled: host key not trusted', destination));
        await trustHostKey(details);
        this.log.info(`added ${details.keyType} key ${details.fingerprint} for ${details.host}:${details.port} to ${details.knownHostsFile}`);
        return this.pool.get(destination);
      }
      throw e;
    }
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    void this.pool.closeAll();
  }
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
