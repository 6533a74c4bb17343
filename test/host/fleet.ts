// Test fleets: several fixture services under one executable name no other test uses, and an ssh
// config with extra loopback aliases (one of them dead) for the test sshd.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startService, type RunningService } from './goServices';
import type { TestSshd } from './sshd';

/** Replicas of one service, found on the host by `name`. */
export interface TestFleet {
  /** The executable's base name, unique to this fleet. */
  name: string;
  services: RunningService[];
  stop(): Promise<void>;
}

/** Starts one replica per entry of `argsPerReplica`, each a copy of `binary` named uniquely. */
export async function startFleet(binary: string, argsPerReplica: readonly (readonly string[])[]): Promise<TestFleet> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-fleet-'));
  const name = `fleetsvc-${randomBytes(4).toString('hex')}`;
  const exe = path.join(dir, name);
  fs.copyFileSync(binary, exe);
  fs.chmodSync(exe, 0o755);
  const services: RunningService[] = [];
  const stop = async () => {
    await Promise.all(services.map((s) => s.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const args of argsPerReplica) services.push(await startService(exe, args));
  } catch (e) {
    await stop();
    throw e;
  }
  return { name, services, stop };
}

/**
 * An ssh config (written next to the sshd's) where `aliases` all reach the test sshd and
 * `deadAlias` points at a loopback port nothing listens on. Returns its path.
 */
export function fleetSshConfig(sshd: TestSshd, aliases: readonly string[], deadAlias?: string): string {
  const base = fs.readFileSync(sshd.configFile, 'utf8');
  const block = /^Host anole-test\n((?: {2}.*\n)+)/m.exec(base);
  if (!block) throw new Error(`no 'Host anole-test' block in ${sshd.configFile}`);
  const lines = [base, `Host ${aliases.join(' ')}`, block[1]];
  if (deadAlias) lines.push(`Host ${deadAlias}`, block[1].replace(/^ {2}Port \d+$/m, '  Port 1'));
  const file = path.join(sshd.dir, `fleet_config_${randomBytes(3).toString('hex')}`);
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}
