// Resolves string indexes and ids while decoding, repairing dangling references and noting each as a warning.
import { type RawLabel, type RawLocation } from './messages';
import { type FunctionInfo, type Label, type Location } from './profile';

/** Looks up a location index by id: a dense array for compact ids, a map otherwise. */
export interface LocationLookup {
  /** `dense[id] - 1` is the index (-1: none); ids beyond its length go to `sparse`. */
  dense: Int32Array;
  sparse(id: number): number;
}

const MAX_EXAMPLES = 5;

function examples(ids: Set<number>): string {
  const list = [...ids].slice(0, MAX_EXAMPLES).join(', ');
  return ids.size > MAX_EXAMPLES ? `${list}, ...` : list;
}

/** Collects what the decoder had to repair; `finish()` turns it into warning lines. */
export class Resolver {
  private readonly extra: string[] = [];
  private badStrings = 0;
  private readonly missingFunctionIds = new Set<number>();
  private readonly missingLocationIds = new Set<number>();
  private duplicateLocations = 0;
  /** How many sample frames referred to a location that does not exist. */
  missingLocationRefs = 0;

  constructor(private readonly strings: string[]) {}

  /** The string at index `i`, or '' (counted as a problem) when it is out of range. */
  str(i: number): string {
    if (i >= 0 && i < this.strings.length) return this.strings[i];
    this.badStrings++;
    return '';
  }

  /** Adds a free-form warning. */
  warn(message: string): void {
    this.extra.push(message);
  }

  /** Resolves location lines to function indexes, adding a placeholder for each missing function. */
  locations(raw: RawLocation[], functions: FunctionInfo[]): Location[] {
    const byId = new Map<number, number>();
    functions.forEach((f, i) => {
      if (!byId.has(f.id)) byId.set(f.id, i);
    });
    return raw.map((loc) => ({
      id: loc.id,
      address: loc.address,
      mappingId: loc.mappingId,
      isFolded: loc.isFolded,
      lines: loc.lines.map((l) => {
        let fn = byId.get(l.functionId);
        if (fn === undefined) {
          this.missingFunctionIds.add(l.functionId);
          fn = functions.length;
          functions.push({ id: l.functionId, name: `<unknown function #${l.functionId}>`, systemName: '', filename: '', startLine: 0 });
          byId.set(l.functionId, fn);
        }
        return { functionId: l.functionId, function: fn, line: l.line, column: l.column };
      }),
    }));
  }

  /** Builds the id → index lookup for sample decoding (the first location with an id wins). */
  locationLookup(locations: Location[]): LocationLookup {
    let maxId = 0;
    for (const l of locations) if (l.id > maxId) maxId = l.id;
    if (maxId <= 4 * locations.length + 1024 && maxId < 1 << 26) {
      const dense = new Int32Array(maxId + 1);
      locations.forEach((l, i) => {
        if (dense[l.id] === 0 && l.id !== 0) dense[l.id] = i + 1;
        else this.duplicateLocations++;
      });
      return { dense, sparse: () => -1 };
    }
    const map = new Map<number, number>();
    locations.forEach((l, i) => {
      if (!map.has(l.id) && l.id !== 0) map.set(l.id, i);
      else this.duplicateLocations++;
    });
    return { dense: new Int32Array(0), sparse: (id) => map.get(id) ?? -1 };
  }

  /** Notes a sample frame whose location id does not exist (the frame is dropped). */
  missingLocation(id: number): void {
    this.missingLocationRefs++;
    if (this.missingLocationIds.size < 1000) this.missingLocationIds.add(id);
  }

  /** Resolves one sample label. */
  label(l: RawLabel): Label {
    const key = this.str(l.key);
    if (l.str !== 0) return { key, str: this.str(l.str) };
    return l.numUnit !== 0 ? { key, num: l.num, numUnit: this.str(l.numUnit) } : { key, num: l.num };
  }

  /** The warnings, one line per kind of problem. */
  finish(sampleCount: number, locationCount: number): string[] {
    const w: string[] = [];
    if (this.missingFunctionIds.size > 0) {
      w.push(
        `${this.missingFunctionIds.size} function id(s) used by locations do not exist (${examples(this.missingFunctionIds)}); ` +
          'their frames are shown as <unknown function #id>',
      );
    }
    if (this.missingLocationRefs > 0) {
      w.push(
        `${this.missingLocationRefs} frame(s) of ${sampleCount} sample(s) refer to missing locations ` +
          `(ids ${examples(this.missingLocationIds)}; the profile has ${locationCount}); those frames were dropped`,
      );
    }
    if (this.duplicateLocations > 0) {
      w.push(`${this.duplicateLocations} location(s) had a duplicate or zero id and were ignored`);
    }
    if (this.badStrings > 0) {
      w.push(
        `${this.badStrings} string reference(s) point outside the string table (${this.strings.length} strings); ` +
          'they were read as empty',
      );
    }
    return [...w, ...this.extra];
  }
}
