// Guesses what kind of profile a decoded pprof file is from its sample types, stacks and file name.
import { frameIndex } from '../pprof/frames';
import { type Profile } from '../pprof/profile';
import { type AnnotationKind } from './protocol';

/**
 * The kind of a profile: CPU ('cpu' sample type), heap or allocs (by default sample type or file
 * name), mutex or block (both have 'contentions'/'delay': the file name decides, else a mutex
 * profile's stacks end in an Unlock), goroutine, threadcreate; 'cpu' when nothing fits (generic heat).
 */
export function guessKind(profile: Profile, fileName = ''): AnnotationKind {
  const types = new Set(profile.sampleTypes.map((t) => t.type));
  const base = fileName.replace(/\\/g, '/').split('/').pop()!.toLowerCase();
  if (types.has('cpu') || profile.periodType?.type === 'cpu') return 'cpu';
  if (types.has('alloc_space') || types.has('inuse_space')) {
    if (/alloc/.test(base)) return 'allocs';
    if (/heap/.test(base)) return 'heap';
    return profile.defaultSampleType === 'alloc_space' ? 'allocs' : 'heap';
  }
  if (types.has('delay')) {
    if (/mutex/.test(base)) return 'mutex';
    if (/block/.test(base)) return 'block';
    return leafUnlocks(profile) ? 'mutex' : 'block';
  }
  if (types.has('goroutine')) return 'goroutine';
  if (types.has('threadcreate')) return 'threadcreate';
  return 'cpu';
}

/** True if most samples' leaf frames are an Unlock (how Go's mutex profile records the holder). */
function leafUnlocks(profile: Profile): boolean {
  const fi = frameIndex(profile);
  const { count, stackStart, stackLocs } = profile.samples;
  let unlock = 0;
  for (let i = 0; i < count; i++) {
    if (stackStart[i] === stackStart[i + 1]) continue;
    const loc = stackLocs[stackStart[i]];
    for (let f = fi.locFrameStart[loc]; f < fi.locFrameStart[loc + 1]; f++) {
      if (/Unlock$/.test(fi.functions[fi.frameFunc[f]].name)) {
        unlock++;
        break;
      }
    }
  }
  return count > 0 && unlock * 2 >= count;
}
