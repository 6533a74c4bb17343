// `anole top`, `anole locks` and `anole diff`: reports on profile files, text or --json.
import * as fs from 'node:fs';
import { decodeProfile, diff, lockSites, loadProfile, readProfileFileSync, selectSampleType, top as topReport, topFromBytes, totalsByLabel, REPLICA_LABEL, type NormalizeMode, type Profile, type TopOptions } from '../../core/pprof';
import { isNormalizeMode } from '../../core/pprof/normalize';
import { formatRatio, replicaShares } from '../../core/sources/fleetReport';
import { AnoleError } from '../../core/errors';
import { intOption, parse, positionals, printJson, usage, warn } from '../args';
import { percent, table, value } from '../format';
import { DIFF_USAGE, LOCKS_USAGE, TOP_USAGE } from '../usage';

function byOption(v: string | undefined): 'function' | 'line' {
  if (v === undefined || v === 'function' || v === 'line') return v ?? 'function';
  throw new AnoleError('BAD_INPUT', `--by must be 'function' or 'line' (or 'replica' for top), not '${v}'`);
}

async function load(file: string, labels = false): Promise<Profile> {
  return warned(file, await loadProfile(file, { labels }));
}

function warned(file: string, p: Profile): Profile {
  for (const w of p.warnings) warn(`${file}: ${w}`);
  return p;
}

function where(file: string, line: number | null): string {
  return line === null ? file : `${file}:${line}`;
}

export async function top(args: string[]): Promise<number> {
  const { values, positionals: pos } = parse('top', args, {
    by: { type: 'string' }, limit: { type: 'string' }, 'sample-type': { type: 'string' }, cum: { type: 'boolean' },
  });
  if (values.help) return usage(TOP_USAGE);
  const [file] = positionals('top', pos, ['PROFILE']);
  if (values.by === 'replica') return topByReplica(await load(file, true), file, values['sample-type'], values.json);
  const by = byOption(values.by);
  const limit = intOption('limit', values.limit);
  const opts: TopOptions = { by, limit: limit ?? (values.json ? undefined : 20), sampleType: values['sample-type'], sort: values.cum ? 'cum' : 'flat' };
  const bytes = readProfileFileSync(file);
  // Straight from the bytes when the profile needs no repairs; else the full decoder says what is wrong.
  const fast = topFromBytes(bytes, opts, file);
  for (const w of fast ? fast.warnings : []) warn(`${file}: ${w}`);
  const res = fast?.result ?? topReport(warned(file, decodeProfile(bytes, { source: file })), opts);
  if (values.json) {
    printJson(res.rows.map((r) => ({ function: r.function, file: r.file, line: by === 'line' ? r.line : null, flat: r.flat, cum: r.cum, flatPercent: r.flatPercent, cumPercent: r.cumPercent })));
    return 0;
  }
  const u = res.sampleType.unit;
  console.log(`${res.sampleType.type} (${u}), total ${value(res.total, u)}; showing ${res.rows.length} of ${res.totalRows} ${by === 'line' ? 'lines' : 'functions'}`);
  console.log(table(
    ['flat', 'flat%', 'cum', 'cum%', by === 'line' ? 'function  file:line' : 'function  file'],
    res.rows.map((r) => [value(r.flat, u), percent(r.flatPercent), value(r.cum, u), percent(r.cumPercent), `${r.function}  ${where(r.file, r.line)}`]),
    [true, true, true, true],
  ));
  return 0;
}

/** Each replica's total, share and ratio to the others' median in a merged fleet profile. */
function topByReplica(profile: Profile, file: string, sampleType: string | undefined, json?: boolean): number {
  const st = selectSampleType(profile, sampleType);
  const totals = totalsByLabel(profile, REPLICA_LABEL, st.index);
  if (totals.every((t) => t.value === '')) {
    throw new AnoleError('BAD_INPUT', `${file} has no ${REPLICA_LABEL} labels: it is not a merged fleet profile`, 'make one with anole fleet capture');
  }
  const shares = replicaShares(totals.map((t) => ({ name: t.value || '(none)', total: t.total })));
  if (json) {
    printJson(shares.map((s) => ({ replica: s.name, total: s.total, share: s.share, ratio: Number.isFinite(s.ratio) ? s.ratio : null, outlier: s.outlier })));
    return 0;
  }
  const u = st.unit;
  console.log(`${st.type} (${u}) by replica, total ${value(totals.reduce((a, t) => a + t.total, 0), u)}; ${shares.length} replicas`);
  console.log(table(
    ['total', 'share', 'vs others', 'replica'],
    shares.map((s) => [value(s.total, u), percent(s.share * 100), formatRatio(s.ratio), s.outlier ? `${s.name}  (outlier)` : s.name]),
    [true, true, true],
  ));
  return 0;
}

export async function locks(args: string[]): Promise<number> {
  const { values, positionals: pos } = parse('locks', args, { limit: { type: 'string' } });
  if (values.help) return usage(LOCKS_USAGE);
  const [file] = positionals('locks', pos, ['PROFILE']);
  const limit = intOption('limit', values.limit);
  const profile = await load(file);
  const res = lockSites(profile, { kind: guessLockKind(profile) });
  const rows = limit ? res.rows.slice(0, limit) : res.rows;
  if (res.empty && res.emptyReason) warn(res.emptyReason);
  if (values.json) {
    printJson(rows.map((r) => ({ function: r.function, file: r.file, line: r.line, delay: r.delay, contentions: r.contentions, percent: r.percent })));
    return 0;
  }
  if (res.empty) return 0;
  const u = res.delayType.unit;
  console.log(`lock delay ${value(res.totalDelay, u)} over ${res.totalContentions} contentions`);
  console.log(table(
    ['delay', '%', 'contentions', 'function  file:line'],
    rows.map((r) => [value(r.delay, u), percent(r.percent), r.contentions, `${r.function}  ${r.file}:${r.line}`]),
    [true, true, true],
  ));
  return 0;
}

/** Mutex and block profiles look alike; Go names the period type "contentions" for both, so use the stacks. */
function guessLockKind(p: Profile): 'mutex' | 'block' | undefined {
  const names = p.functions.map((f) => f.name);
  if (names.some((n) => n === 'sync.(*Mutex).Unlock' || n === 'sync.(*RWMutex).Unlock' || n === 'sync.(*RWMutex).RUnlock')) return 'mutex';
  if (names.some((n) => n === 'runtime.chanrecv1' || n === 'runtime.selectgo' || n === 'sync.(*Mutex).Lock' || n === 'sync.(*WaitGroup).Wait')) return 'block';
  return undefined;
}

/**
 * `--normalize` alone means `total`; `--normalize MODE` and `--normalize=MODE` choose one. A bare
 * `--normalize` followed by a file keeps that as a positional; a word that is no file is taken as a
 * mode (and a wrong one is refused by name).
 */
function normalizeArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '--normalize') out.push(args[i]);
    else if (looksLikeMode(args[i + 1])) out.push(`--normalize=${args[++i]}`);
    else out.push('--normalize=total');
  }
  return out;
}

function looksLikeMode(a: string | undefined): boolean {
  if (a === undefined) return false;
  return isNormalizeMode(a) || (/^[a-z][a-z-]*$/i.test(a) && !fs.existsSync(a));
}

function normalizeOption(v: string | undefined): NormalizeMode {
  if (v === undefined) return 'none';
  if (isNormalizeMode(v)) return v;
  throw new AnoleError('BAD_INPUT', `--normalize must be 'total' or 'per-second' (or no value, meaning total), not '${v}'`);
}

export async function diffCmd(rawArgs: string[]): Promise<number> {
  const { values, positionals: pos } = parse('diff', normalizeArgs(rawArgs), {
    by: { type: 'string' }, limit: { type: 'string' }, 'sample-type': { type: 'string' }, normalize: { type: 'string' },
  });
  if (values.help) return usage(DIFF_USAGE);
  const [baseFile, nextFile] = positionals('diff', pos, ['BASE', 'NEW']);
  const by = byOption(values.by);
  const limit = intOption('limit', values.limit);
  const [base, next] = await Promise.all([load(baseFile), load(nextFile)]);
  const normalize = normalizeOption(values.normalize);
  const res = diff(base, next, { by, limit: limit ?? (values.json ? undefined : 20), sampleType: values['sample-type'], normalize });
  if (values.json) {
    printJson(res.rows);
    return 0;
  }
  const u = res.sampleType.unit;
  const scaled = normalize === 'none' ? '' : normalize === 'total' ? ' (scaled to the new total)' : ' (scaled to the new duration)';
  console.log(`${res.sampleType.type} (${u}): base total ${value(res.baseTotal, u)}${scaled}, new total ${value(res.nextTotal, u)}`);
  const sign = (v: number) => (v > 0 ? '+' : '') + value(v, u);
  console.log(table(
    ['Δflat', 'base flat', 'new flat', 'Δcum', 'function  file'],
    res.rows.map((r) => [sign(r.deltaFlat), value(r.baseFlat, u), value(r.nextFlat, u), sign(r.deltaCum), `${r.function}  ${where(r.file, r.line)}`]),
    [true, true, true, true],
  ));
  return 0;
}
