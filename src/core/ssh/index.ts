// The SSH layer's public surface: resolve a destination, connect, pool connections, check host keys.
export { destinationLabel, resolveDestination } from './config';
export type { ResolveOptions, ResolvedDestination, StrictHostKeyChecking } from './config';
export { parseDestination } from './destination';
export type { ParsedDestination } from './destination';
export type { AuthCallbacks } from './auth';
export { trustHostKey } from './hostKeyPolicy';
export type { HostKeyDetails } from './hostKeyPolicy';
export { addKnownHost, checkHostKey, fingerprintSha256, parseKnownHosts, verifyHostKey } from './knownHosts';
export type { HostKeyCheck, HostKeyQuery, HostKeyStatus, KnownHostEntry } from './knownHosts';
export { SshPool, connectionKey } from './pool';
export { StoredSecretAuth } from './storedSecrets';
export type { AskSecret, SecretRequest, SecretStore } from './storedSecrets';
export { SshHost } from './sshHost';
export type { SshHostOptions } from './sshHost';
