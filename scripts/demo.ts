// The demo: a local test host (real sshd + a sample Go service with known problems) and the
// anole CLI run against it, printing where the CPU goes, where the lock is held and what leaks.
// `--keep` leaves the host running until Ctrl-C so you can try the CLI yourself.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestHost } from '../test/host/testHost';

const CLI = path.resolve(__dirname, '../dist/cli.js');

function anole(args: string[]): void {
  console.log(`\n$ anole ${args.map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  const out = execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(out);
}

async function main(): Promise<void> {
  const keep = process.argv.includes('--keep');
  console.log('Starting the test host: OpenSSH sshd on 127.0.0.1 and the sample service "hotsvc" (Go 1.26 and Go 1.19 builds)…');
  const host = await startTestHost();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-demo-'));
  const stop = async () => {
    await host.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    const ssh = ['--ssh-config', host.sshd.configFile];
    const svc = host.services[0].service;
    console.log(`sshd: ${host.sshd.alias} (127.0.0.1:${host.sshd.port}), config ${host.sshd.configFile}`);
    anole(['ps', host.sshd.alias, ...ssh]);
    const cpu = path.join(tmp, 'cpu.pb.gz');
    anole(['capture', 'cpu', host.sshd.alias, '--pid', String(svc.pid), '--seconds', '3', '-o', cpu, ...ssh]);
    anole(['top', cpu, '--by', 'line', '--limit', '8']);
    const mutex = path.join(tmp, 'mutex.pb.gz');
    anole(['capture', 'mutex', host.sshd.alias, '--pid', String(svc.pid), '-o', mutex, ...ssh]);
    anole(['locks', mutex, '--limit', '5']);
    anole(['goroutines', host.sshd.alias, '--pid', String(svc.pid), '--limit', '3', ...ssh]);
    if (keep) {
      console.log(`\nThe test host keeps running. Try:\n  node dist/cli.js ps ${host.sshd.alias} --ssh-config ${host.sshd.configFile}\nCtrl-C stops it.`);
      await new Promise(() => undefined);
    }
  } finally {
    if (!keep) await stop();
  }
}

main().catch((e) => {
  console.error(`demo failed: ${(e as Error).message}`);
  process.exit(1);
});
