// Picks the sample type (value column) an analysis works on, the way `go tool pprof -sample_index` does.
import { AnoleError } from '../errors';
import { type Profile, type ValueType } from './profile';

/** A chosen sample type: its index into each sample's values, with name and unit. */
export interface SampleTypeChoice extends ValueType {
  index: number;
}

function list(profile: Profile): string {
  return profile.sampleTypes.map((t) => t.type).join(', ');
}

/**
 * Selects a sample type by name ('cpu', 'samples', 'alloc_space', 'inuse_space', 'contentions',
 * 'delay', ...) or by index (a number or a numeric string). Without `wanted`, takes the profile's
 * default sample type, else the last one, as go tool pprof does. 'inuse_X' also matches a type
 * named 'X' (legacy heap profiles). Throws a BAD_INPUT error listing the available types.
 */
export function selectSampleType(profile: Profile, wanted?: string | number): SampleTypeChoice {
  const types = profile.sampleTypes;
  const pick = (index: number): SampleTypeChoice => ({ index, type: types[index].type, unit: types[index].unit });
  if (types.length === 0) throw new AnoleError('BAD_PROFILE', 'the profile declares no sample types');
  if (wanted === undefined || wanted === '') {
    const dst = profile.defaultSampleType;
    const i = dst ? types.findIndex((t) => t.type === dst) : -1;
    return pick(i >= 0 ? i : types.length - 1);
  }
  if (typeof wanted === 'number' || /^\d+$/.test(wanted)) {
    const i = Number(wanted);
    if (!Number.isInteger(i) || i < 0 || i >= types.length) {
      throw new AnoleError(
        'BAD_INPUT',
        `sample index ${wanted} is out of range: this profile has ${types.length} sample type(s) (${list(profile)})`,
      );
    }
    return pick(i);
  }
  const noInuse = wanted.startsWith('inuse_') ? wanted.slice('inuse_'.length) : wanted;
  let i = types.findIndex((t) => t.type === wanted);
  if (i < 0) i = types.findIndex((t) => t.type === noInuse);
  if (i < 0) {
    throw new AnoleError(
      'BAD_INPUT',
      `this profile has no sample type "${wanted}"; available: ${list(profile)}`,
      'pick one of the available sample types',
    );
  }
  return pick(i);
}
