// `anole capture KIND HOST`: one profile, dump or trace through an SSH tunnel into a local file.
import * as fs from 'node:fs';
import { capture as captureToFile } from '../../core/capture/capture';
import { effectiveSeconds, parseKind } from '../../core/capture/kinds';
import { AnoleError } from '../../core/errors';
import { decodeProfile, emptyProfileReason } from '../../core/pprof';
import { resolveEndpoint } from '../../core/workflow/endpoint';
import { intOption, interruptSignal, parse, positionals, printJson, usage, warn } from '../args';
import { CliHosts } from '../connect';
import { CAPTURE_USAGE } from '../usage';

export async function capture(args: string[]): Promise<number> {
  const { values, positionals: pos } = parse('capture', args, {
    pid: { type: 'string' },
    url: { type: 'string' },
    seconds: { type: 'string' },
    text: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
  });
  if (values.help) return usage(CAPTURE_USAGE);
  const [kindArg, dest] = positionals('capture', pos, ['KIND', 'HOST']);
  const kind = parseKind(kindArg);
  const pid = intOption('pid', values.pid);
  const seconds = intOption('seconds', values.seconds);
  if (!values.output) throw new AnoleError('BAD_INPUT', 'capture: say where to write it with -o FILE');
  if (pid === undefined && !values.url) throw new AnoleError('BAD_INPUT', 'capture: say which service with --pid N or --url URL', 'list them with `anole ps HOST`');
  if (values.text && kind !== 'goroutine') throw new AnoleError('BAD_INPUT', '--text is only for goroutine (the debug=2 dump)');
  const req = { kind, seconds, text: values.text };
  const secs = effectiveSeconds(req);

  const signal = interruptSignal();
  const hosts = new CliHosts({ sshConfig: values['ssh-config'], trustHostKey: values['trust-host-key'], verbose: values.verbose });
  try {
    const host = await hosts.get(dest);
    const endpoint = await resolveEndpoint(host, { pid, url: values.url }, signal);
    if (secs > 0 && !values.json) warn(`capturing ${kind} from ${endpoint} for ${secs} s (Ctrl-C cancels)`);
    const res = await captureToFile(host, { ...req, url: endpoint, outFile: values.output, signal });
    const warnings: string[] = [];
    if (kind !== 'trace' && !values.text) {
      const profile = decodeProfile(fs.readFileSync(res.file), { source: res.file });
      const empty = emptyProfileReason(profile, kind);
      if (empty) warnings.push(empty);
    }
    if (values.json) {
      printJson({ kind, file: res.file, url: res.url, bytes: res.bytes, elapsedMs: res.elapsedMs, warnings });
    } else {
      for (const w of warnings) warn(w);
      console.log(`wrote ${res.file} (${kind}, ${res.bytes} bytes, ${(res.elapsedMs / 1000).toFixed(1)} s)`);
    }
    return 0;
  } finally {
    await hosts.close();
  }
}
