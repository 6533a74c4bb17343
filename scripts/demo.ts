// The demo. By default: a local test host (real sshd + a sample Go service with known problems),
// and a real VS Code (code-server) with Anole installed, the test host in its settings and the
// service's source as the workspace, behind a loopback proxy that wants the random token printed
// with the URL. `--cli`: the anole CLI against the test host instead (`--keep` leaves it up).
// Ctrl-C stops everything the demo started.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURE_DIR } from '../test/host/goServices';
import { startTestHost, type TestHost } from '../test/host/testHost';
import { startCodeServer } from '../test/e2e/support/codeServer';
import { anoleVsix } from '../test/e2e/support/vsix';
import { startDemoProxy } from './demoProxy';

const REPO = path.resolve(__dirname, '..');
const CLI = path.join(REPO, 'dist/cli.js');

function anole(args: string[]): void {
  console.log(`\n$ anole ${args.map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  const out = execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(out);
}

/**
 * Resolves on the first SIGINT or SIGTERM. The handlers stay: Ctrl-C reaches both npx/tsx and this
 * process, and tsx relays it again, so a second signal must not kill the demo mid-cleanup.
 */
function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    let seen = false;
    const onSignal = (): void => {
      if (seen) return;
      seen = true;
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** Runs `fns` in order, each even if one before it failed. */
async function cleanup(fns: Array<(() => Promise<void> | void) | undefined>): Promise<void> {
  for (const fn of fns) {
    try {
      await fn?.();
    } catch (e) {
      console.error(`demo: cleanup: ${(e as Error).message}`);
    }
  }
}

async function cliDemo(keep: boolean): Promise<void> {
  const stopRequested = interrupted(); // from the start: Ctrl-C during set-up still cleans up
  console.log('Starting the test host: OpenSSH sshd on 127.0.0.1 and the sample service "hotsvc" (Go 1.26 and Go 1.19 builds)…');
  const host = await startTestHost();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-demo-'));
  const stop = () => cleanup([() => host.stop(), () => fs.rmSync(tmp, { recursive: true, force: true })]);
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
      console.log(`\nThe test host keeps running. Try:\n  bin/anole ps ${host.sshd.alias} --ssh-config ${host.sshd.configFile}\nCtrl-C stops it.`);
      await stopRequested;
    }
  } finally {
    await stop();
  }
}

async function editorDemo(): Promise<void> {
  const stopRequested = interrupted(); // from the start: Ctrl-C during set-up still cleans up
  console.log('Starting the test host (OpenSSH sshd on 127.0.0.1, the sample service "hotsvc") and VS Code (code-server) with Anole…');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-demo-'));
  let host: TestHost | undefined;
  let stopServer: (() => Promise<void>) | undefined;
  let closeProxy: (() => Promise<void>) | undefined;
  const stop = () => cleanup([closeProxy, stopServer, () => host?.stop(), () => fs.rmSync(tmp, { recursive: true, force: true })]);
  try {
    const workspace = path.join(tmp, 'workspace');
    fs.cpSync(FIXTURE_DIR, workspace, { recursive: true });
    host = await startTestHost({ toolchains: ['current'], serviceArgs: ['-cpu-duty', '60'] });
    const svc = host.services[0].service;
    if (!svc.pprofUrl) throw new Error('the sample service has no pprof endpoint');
    const vsix = anoleVsix(REPO, tmp);
    const server = await startCodeServer({
      workspace,
      vsixPaths: [vsix],
      socket: path.join(tmp, 'code-server.sock'),
      settings: {
        'anole.sshConfigFile': host.sshd.configFile,
        'anole.targets': [{ name: 'demo: hotsvc on the test host', host: host.sshd.alias, pprofUrl: svc.pprofUrl }],
        'anole.profile.seconds': 3,
      },
    });
    stopServer = server.stop;
    const proxy = await startDemoProxy(server.socket!);
    closeProxy = proxy.close;
    const url = `${proxy.url}&folder=${encodeURIComponent(workspace)}`;
    console.log(`
Anole is running in VS Code. Open this URL in a browser on this machine (it carries a random token;
the server listens on 127.0.0.1 only, VS Code itself on a private socket):

  ${url}

Then: open hotsvc/problems.go, press F1 and run "Anole: Profile Remote Service", pick "cpu":
the hot line gets its heat decoration and main.burnCPU its CodeLens (click it: flame graph).
"mutex" shows where a lock is held; "Anole: Dump Goroutines of a Remote Service" shows the leak.
The sample service is pid ${svc.pid}; the test host's ssh config is ${host.sshd.configFile}
(the CLI works too: npm run demo -- --cli).
Ctrl-C stops everything.`);
    console.log(`demo: ready ${url}`);
    await stopRequested;
    console.log('\ndemo: stopping…');
  } finally {
    await stop();
  }
}

const args = process.argv.slice(2);
(args.includes('--cli') ? cliDemo(args.includes('--keep')) : editorDemo()).then(
  () => process.exit(0),
  (e) => {
    console.error(`demo failed: ${(e as Error).message}`);
    process.exit(1);
  },
);
