// Decides whether to accept a server's host key (known_hosts + StrictHostKeyChecking) for ssh2.
import { AnoleError } from '../errors';
import type { ResolvedDestination } from './config';
import {
  addKnownHost, checkHostKeyEntries, fingerprintSha256, keyTypeOfBlob, knownHostName, readKnownHosts, type KnownHostEntry,
} from './knownHosts';

/** What a UI needs to show an unknown/changed host key and, if the user agrees, trust it. */
export interface HostKeyDetails {
  host: string;
  port: number;
  keyType: string;
  /** Key blob, base64. */
  key: string;
  fingerprint: string;
  hostKeyAlias?: string;
  /** Where trusting would write the key (first UserKnownHostsFile). */
  knownHostsFile?: string;
  hashed: boolean;
  /** For 'changed': the offending known_hosts line. */
  offending?: { file: string; line: number };
}

/** ssh2's host key algorithms, in its default preference order. */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa',
] as const;

function keyTypeOfAlgorithm(alg: string): string {
  return alg.startsWith('rsa-sha2-') ? 'ssh-rsa' : alg;
}

/** A loaded policy for one destination: the verifier for ssh2 and the algorithm order to offer. */
export interface HostKeyPolicy {
  /** Host key algorithms with the types already known for this host first (as OpenSSH orders them). */
  algorithms: string[];
  /** ssh2 `hostVerifier` (async form). */
  verify(key: Buffer, done: (ok: boolean) => void): void;
  /** The refusal reason once verify() said no. */
  readonly error?: AnoleError;
}

/**
 * Loads known_hosts for `dest` and returns the policy: known key → accept; revoked or changed →
 * refuse (always, whatever StrictHostKeyChecking says); unknown → HOST_KEY_UNKNOWN for yes/ask,
 * accept for `no`, accept and append to the first UserKnownHostsFile for `accept-new`.
 */
export async function loadHostKeyPolicy(dest: ResolvedDestination, log?: (msg: string) => void): Promise<HostKeyPolicy> {
  const files = [...dest.userKnownHostsFiles, ...dest.globalKnownHostsFiles];
  const entries: KnownHostEntry[] = await readKnownHosts(files);
  const base = { host: dest.hostName, port: dest.port, hostKeyAlias: dest.hostKeyAlias };
  const known = checkHostKeyEntries({ ...base, keyType: '', key: Buffer.alloc(0) }, entries).knownKeyTypes;
  const algorithms = [
    ...HOST_KEY_ALGORITHMS.filter((a) => known.includes(keyTypeOfAlgorithm(a))),
    ...HOST_KEY_ALGORITHMS.filter((a) => !known.includes(keyTypeOfAlgorithm(a))),
  ];
  const name = knownHostName(dest.hostName, dest.port, dest.hostKeyAlias);
  const policy: { -readonly [K in keyof HostKeyPolicy]: HostKeyPolicy[K] } = {
    algorithms,
    verify: (key, done) => {
      const keyType = keyTypeOfBlob(key) ?? 'unknown';
      const check = checkHostKeyEntries({ ...base, keyType, key }, entries);
      const details: HostKeyDetails = {
        host: dest.hostName, port: dest.port, keyType, key: key.toString('base64'), fingerprint: fingerprintSha256(key),
        hostKeyAlias: dest.hostKeyAlias, knownHostsFile: dest.userKnownHostsFiles[0], hashed: dest.hashKnownHosts,
      };
      const say = `${keyType} key ${details.fingerprint}`;
      switch (check.status) {
        case 'ok':
          return done(true);
        case 'revoked':
          policy.error = new AnoleError('HOST_KEY_REVOKED',
            `the host key of ${name} (${say}) is marked @revoked in ${check.entry!.file}:${check.entry!.line}; refusing to connect`,
            'ask the host\'s admin which key is current', { ...details });
          return done(false);
        case 'changed':
          details.offending = { file: check.entry!.file, line: check.entry!.line };
          policy.error = new AnoleError('HOST_KEY_CHANGED',
            `WARNING: the host key of ${name} has CHANGED (now ${say}); someone could be intercepting the connection, or the host was reinstalled`,
            `if the change is expected, remove the old key (${check.entry!.file}:${check.entry!.line}) with: ssh-keygen -R '${name}'`,
            { ...details });
          return done(false);
        case 'unknown':
          if (dest.strictHostKeyChecking === 'no') {
            log?.(`accepting unknown host key of ${name} (${say}) because StrictHostKeyChecking=no`);
            return done(true);
          }
          if (dest.strictHostKeyChecking === 'accept-new') {
            const file = dest.userKnownHostsFiles[0];
            if (!file) return done(true);
            addKnownHost(file, dest.hostName, dest.port, keyType, key, { hashed: dest.hashKnownHosts, hostKeyAlias: dest.hostKeyAlias })
              .then(() => { log?.(`added host key of ${name} (${say}) to ${file}`); done(true); })
              .catch((e: Error) => {
                policy.error = new AnoleError('SSH_CONFIG', `cannot add the host key of ${name} to ${file}: ${e.message}`);
                done(false);
              });
            return;
          }
          policy.error = new AnoleError('HOST_KEY_UNKNOWN',
            `the authenticity of host ${name} can't be established: ${say} is not in known_hosts`,
            'compare the fingerprint with the one the host\'s admin gives you, then trust it to add it to known_hosts',
            { ...details });
          return done(false);
      }
    },
  };
  return policy;
}

/** Appends the key from a HOST_KEY_UNKNOWN error's details to known_hosts (after the user agreed). */
export async function trustHostKey(details: HostKeyDetails, file = details.knownHostsFile): Promise<void> {
  if (!file) throw new AnoleError('SSH_CONFIG', 'no known_hosts file to write to (UserKnownHostsFile is none)');
  await addKnownHost(file, details.host, details.port, details.keyType, Buffer.from(details.key, 'base64'),
    { hashed: details.hashed, hostKeyAlias: details.hostKeyAlias });
}
