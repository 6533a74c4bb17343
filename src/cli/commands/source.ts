// `anole source query|types|labels (parca|pyroscope) URL`: a merged profile, or what to pick it by,
// from the continuous-profiling backend a team already runs.
import * as fs from 'node:fs';
import { AnoleError } from '../../core/errors';
import { decodeProfile, withTimeWindow } from '../../core/pprof';
import { openBackend, parseBackendKind, parseRange, type ProfileSource, type SourceAuth } from '../../core/sources';
import { interruptSignal, parse, positionals, printJson, usage, warn } from '../args';
import { SOURCE_USAGE } from '../usage';

const OPTIONS = {
  type: { type: 'string' },
  selector: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  label: { type: 'string' },
  tenant: { type: 'string' },
  'token-file': { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const;

export async function source(args: string[]): Promise<number> {
  const { values, positionals: pos } = parse('source', args, OPTIONS);
  if (values.help || pos.length === 0) return usage(SOURCE_USAGE);
  const [sub, kindArg, url] = positionals('source', pos, ['query|types|labels', 'parca|pyroscope', 'URL']);
  const src = openBackend(parseBackendKind(kindArg), { url, auth: credentials(values['token-file'], process.env), tenant: values.tenant ?? process.env.ANOLE_SOURCE_TENANT });
  const range = parseRange(values.from, values.to);
  const signal = interruptSignal();
  switch (sub) {
    case 'types':
      return types(src, values.json === true, signal);
    case 'labels': {
      const q = { type: values.type, selector: values.selector, range };
      const list = values.label ? await src.labelValues(values.label, q, signal) : await src.labelNames(q, signal);
      if (values.json) printJson(list);
      else console.log(list.join('\n'));
      return 0;
    }
    case 'query':
      return query(src, { type: values.type, selector: values.selector ?? '', range }, values.output, values.json === true, signal);
    default:
      throw new AnoleError('BAD_INPUT', `source: unknown subcommand '${sub}'`, 'use query, types or labels');
  }
}

async function types(src: ProfileSource, json: boolean, signal: AbortSignal): Promise<number> {
  const list = await src.profileTypes(signal);
  if (json) printJson(list);
  else for (const t of list) console.log(`${t.id}${t.kind ? `  (${t.kind})` : ''}`);
  return 0;
}

async function query(src: ProfileSource, q: { type?: string; selector: string; range: { fromMs: number; toMs: number } }, out: string | undefined, json: boolean, signal: AbortSignal): Promise<number> {
  if (!q.type) throw new AnoleError('BAD_INPUT', 'source query: say which profile type with --type T', `list them with: anole source types ${src.kind} ${src.name}`);
  if (!out) throw new AnoleError('BAD_INPUT', 'source query: say where to write the profile with -o FILE');
  const res = await src.query({ type: q.type, selector: q.selector, range: q.range }, signal);
  if (res.kind === 'empty') {
    if (json) printJson(res);
    else warn(res.message);
    return 3;
  }
  // Checked before it is written: a server answer that is not a profile is an error, not a file.
  const profile = decodeProfile(res.pprof, { source: src.name });
  // The range it covers goes into the file: `anole diff --normalize per-second` reads it.
  const pprof = withTimeWindow(res.pprof, q.range, src.name);
  fs.writeFileSync(out, pprof);
  if (json) {
    printJson({ file: out, bytes: pprof.length, samples: profile.samples.count, description: res.description, labels: res.labels, warnings: res.warnings });
    return 0;
  }
  for (const w of res.warnings) warn(w);
  console.log(`wrote ${out} (${pprof.length} bytes, ${profile.samples.count} samples): ${res.description}`);
  const labels = Object.entries(res.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  if (labels.length) console.log(`labels shared by every series: ${labels.join(', ')}`);
  console.log(`read it with: anole top ${out}`);
  return 0;
}

/**
 * Credentials from the environment or a file, never from the command line (where `ps` and the shell
 * history would show them): ANOLE_SOURCE_TOKEN or --token-file for a bearer token,
 * ANOLE_SOURCE_USER and ANOLE_SOURCE_PASSWORD for basic auth.
 */
export function credentials(tokenFile: string | undefined, env: NodeJS.ProcessEnv): SourceAuth | undefined {
  if (tokenFile !== undefined) {
    let token: string;
    try {
      token = fs.readFileSync(tokenFile, 'utf8').trim();
    } catch (e) {
      throw new AnoleError('BAD_INPUT', `cannot read the token file ${tokenFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    if (!token) throw new AnoleError('BAD_INPUT', `the token file ${tokenFile} is empty`);
    return { kind: 'bearer', token };
  }
  if (env.ANOLE_SOURCE_TOKEN) return { kind: 'bearer', token: env.ANOLE_SOURCE_TOKEN };
  if (env.ANOLE_SOURCE_USER) return { kind: 'basic', user: env.ANOLE_SOURCE_USER, password: env.ANOLE_SOURCE_PASSWORD ?? '' };
  return undefined;
}
