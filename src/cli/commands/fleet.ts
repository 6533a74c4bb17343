// `anole fleet capture KIND HOST...`: every replica of a service profiled at once, merged into one file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnoleError } from '../../core/errors';
import { selectSampleType } from '../../core/pprof';
import { formatRatio } from '../../core/sources/fleetReport';
import { captureFleet, parseFleetKind, type FleetCapture, type FleetProgress } from '../../core/sources/sshFleet';
import { intOption, interruptSignal, parse, printJson, usage, warn } from '../args';
import { CliHosts } from '../connect';
import { percent, table, value } from '../format';
import { FLEET_USAGE } from '../usage';

export async function fleet(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') return usage(FLEET_USAGE);
  if (sub !== 'capture') throw new AnoleError('BAD_INPUT', `fleet: unknown subcommand '${sub}'`, 'see: anole fleet --help');
  const { values, positionals: pos } = parse('fleet', rest, {
    seconds: { type: 'string' },
    process: { type: 'string' },
    url: { type: 'string' },
    output: { type: 'string', short: 'o' },
    'per-replica': { type: 'string' },
    concurrency: { type: 'string' },
  });
  if (values.help) return usage(FLEET_USAGE);
  const [kindArg, ...hosts] = pos;
  if (!kindArg) throw new AnoleError('BAD_INPUT', 'fleet capture: missing KIND and HOST', 'see: anole fleet --help');
  const kind = parseFleetKind(kindArg);
  if (hosts.length === 0) throw new AnoleError('BAD_INPUT', 'fleet capture: missing HOST (one or more hosts or ssh config Host patterns)');
  if (!values.output) throw new AnoleError('BAD_INPUT', 'fleet capture: say where to write the merged profile with -o FILE');
  const seconds = intOption('seconds', values.seconds);
  const concurrency = intOption('concurrency', values.concurrency);
  const perReplica = values['per-replica'];
  if (perReplica !== undefined && !fs.statSync(perReplica, { throwIfNoEntry: false })?.isDirectory()) {
    throw new AnoleError('BAD_INPUT', `--per-replica ${perReplica}: no such folder`, 'create it first');
  }
  const out = path.resolve(values.output);
  if (!fs.existsSync(path.dirname(out))) throw new AnoleError('BAD_INPUT', `cannot write ${out}: the folder ${path.dirname(out)} does not exist`);

  const signal = interruptSignal();
  const hostsConn = new CliHosts({ sshConfig: values['ssh-config'], trustHostKey: values['trust-host-key'], verbose: values.verbose });
  try {
    const res = await captureFleet({ hosts, processName: values.process, url: values.url }, kind, seconds, {
      connect: (h) => hostsConn.get(h),
      sshConfigFile: values['ssh-config'],
      concurrency,
      signal,
      onProgress: values.json ? undefined : progress,
    });
    fs.writeFileSync(out, res.pprof);
    const files = perReplica ? writePerReplica(res, perReplica) : [];
    report(res, out, files, values.json);
    return 0;
  } finally {
    await hostsConn.close();
  }
}

function progress(p: FleetProgress): void {
  if (p.phase === 'capture') {
    warn(`capturing ${p.replicas} replica(s)${p.seconds ? ` for ${p.seconds} s` : ''} (Ctrl-C cancels)`);
  }
}

/** Writes each replica's own profile as DIR/<replica>.pb.gz (slashes in names become '_'). */
function writePerReplica(res: FleetCapture, dir: string): string[] {
  return res.replicas.map((r) => {
    const file = path.join(dir, `${r.name.replace(/[/\\:]/g, '_')}.pb.gz`);
    fs.writeFileSync(file, r.bytes);
    return file;
  });
}

function report(res: FleetCapture, out: string, files: string[], json?: boolean): void {
  // The sample type the shares were computed on (the profile's default, as go tool pprof picks it).
  const unit = selectSampleType(res.profile).unit;
  if (json) {
    printJson({
      kind: res.kind, file: out, seconds: res.seconds || null, description: res.description, bytes: res.pprof.length,
      elapsedMs: res.elapsedMs, captureMs: res.captureMs, warnings: res.warnings,
      replicas: res.replicas.map((r, i) => ({
        name: r.name, host: r.host, pid: r.pid ?? null, url: r.url, total: r.total, share: r.share, ratio: Number.isFinite(r.ratio) ? r.ratio : null,
        outlier: r.outlier, buildId: r.buildId ?? null, goVersion: r.goVersion ?? null, file: files[i] ?? null,
      })),
      failures: res.failures,
    });
    return;
  }
  for (const w of res.warnings) warn(w);
  console.log(`wrote ${out} (${res.kind}, ${res.description}, ${res.pprof.length} bytes, ${(res.elapsedMs / 1000).toFixed(1)} s)`);
  console.log(table(
    ['replica', 'total', 'share', 'vs others', ''],
    res.replicas.map((r) => [r.name, value(r.total, unit), percent(r.share * 100), formatRatio(r.ratio), r.outlier ? 'outlier' : '']),
    [false, true, true, true],
  ));
  for (const f of res.failures) console.log(`${f.name}: failed: ${f.reason}`);
  if (files.length) console.log(`per-replica profiles: ${files.join(' ')}`);
}
