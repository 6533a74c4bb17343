// The hot loop of the decoder: samples into typed arrays, with inlined one- and two-byte varints.
import { type RawLabel, readLabel } from './messages';
import { type Label, type Location, type SampleTable } from './profile';
import { type Resolver } from './resolve';
import { WireError, WireReader } from './wire';

/** Location ids up to which the location buffer is sized to their upper bound in one go. */
const EXACT_CAPACITY_LIMIT = 64 * 1024 * 1024;

/** A growable list of (start, end) byte offsets, one pair per sample. */
export class SpanList {
  data: Uint32Array;
  length = 0;

  /** @param capacity room for this many numbers (two per sample) before the list grows */
  constructor(capacity = 4096) {
    this.data = new Uint32Array(capacity);
  }

  /** Appends one pair. */
  push(start: number, end: number): void {
    if (this.length + 2 > this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = start;
    this.data[this.length++] = end;
  }

  /** Appends pairs already laid out as start, end, start, end... */
  pushAll(pairs: Uint32Array): void {
    let size = Math.max(this.data.length, 2);
    while (this.length + pairs.length > size) size *= 2;
    if (size > this.data.length) {
      const bigger = new Uint32Array(size);
      bigger.set(this.data.subarray(0, this.length));
      this.data = bigger;
    }
    this.data.set(pairs, this.length);
    this.length += pairs.length;
  }
}

function grow<T extends Uint32Array | Uint16Array>(a: T): T {
  const bigger = new (a.constructor as new (n: number) => T)(a.length * 2);
  bigger.set(a);
  return bigger;
}

/**
 * Decodes the samples at `spanList` (start/end byte pairs of each Sample message) into a
 * {@link SampleTable}, mapping location ids to indexes into `locations`. Frames that refer to
 * missing locations are dropped and reported through `res`.
 */
export function decodeSamples(
  buf: Uint8Array,
  spanList: SpanList,
  locationIdBound: number,
  nt: number,
  locations: Location[],
  res: Resolver,
  withLabels: boolean,
): SampleTable {
  const spans = spanList.data;
  const count = spanList.length / 2;
  const lookup = res.locationLookup(locations);
  const dense = lookup.dense;
  const nDense = dense.length;
  const stackStart = new Uint32Array(count + 1);
  const values = new Float64Array(count * nt);
  // Every location id takes at least one byte, so their byte count bounds their number.
  const bound = locationIdBound;
  const cap = Math.max(16, bound <= EXACT_CAPACITY_LIMIT ? bound : bound >>> 2);
  // Location indexes fit in 16 bits for most profiles: half the memory to write and to scan.
  let locs: Uint32Array | Uint16Array = locations.length <= 0xffff ? new Uint16Array(cap) : new Uint32Array(cap);
  let n = 0;
  let badValueCounts = 0;
  let hasLabels = false;
  const labels: (Label[] | undefined)[] | undefined = withLabels ? new Array<Label[] | undefined>(count) : undefined;
  const r = new WireReader(buf);
  // Slow paths go through the reader, which checks bounds; `limit` is where it must stop.
  const slowVarint = (at: number, limit: number): number => {
    r.pos = at;
    r.limit = limit;
    return r.varint();
  };
  const slowInt64 = (at: number, limit: number): number => {
    r.pos = at;
    r.limit = limit;
    return r.int64();
  };
  for (let i = 0; i < count; i++) {
    stackStart[i] = n;
    let pos = spans[2 * i];
    const end = spans[2 * i + 1];
    let nv = 0;
    let sampleLabels: RawLabel[] | undefined;
    while (pos < end) {
      let k = buf[pos++];
      if (k >= 0x80) {
        k = slowVarint(pos - 1, end);
        pos = r.pos;
      }
      if (k === 0x0a || k === 0x12) {
        // Packed location_id (0x0a) or value (0x12): a length, then varints.
        if (pos >= end) throw new WireError('unexpected end of data inside a field', pos, end === buf.length);
        let len = buf[pos++];
        if (len >= 0x80) {
          len = slowVarint(pos - 1, end);
          pos = r.pos;
        }
        const fe = pos + len;
        if (fe > end) {
          throw new WireError(`length-delimited field of ${len} bytes runs past the end of its message`, pos, end === buf.length);
        }
        if (k === 0x0a) {
          while (pos < fe) {
            let id = buf[pos++];
            if (id >= 0x80) {
              const b = buf[pos];
              if (b < 0x80 && pos < fe) {
                id = (id & 0x7f) | (b << 7);
                pos++;
              } else {
                id = slowVarint(pos - 1, fe);
                pos = r.pos;
              }
            }
            const idx = id < nDense ? dense[id] - 1 : lookup.sparse(id);
            if (idx >= 0) {
              if (n === locs.length) locs = grow(locs);
              locs[n++] = idx;
            } else res.missingLocation(id);
          }
        } else {
          const base = i * nt;
          while (pos < fe) {
            let v = buf[pos++];
            if (v >= 0x80) {
              v = slowInt64(pos - 1, fe);
              pos = r.pos;
            }
            if (nv < nt) values[base + nv] = v;
            nv++;
          }
        }
      } else if (k === 0x08 || k === 0x10) {
        // Unpacked location_id (0x08) or value (0x10).
        const v = k === 0x08 ? slowVarint(pos, end) : slowInt64(pos, end);
        pos = r.pos;
        if (k === 0x08) {
          const idx = v < nDense ? dense[v] - 1 : lookup.sparse(v);
          if (idx >= 0) {
            if (n === locs.length) locs = grow(locs);
            locs[n++] = idx;
          } else res.missingLocation(v);
        } else {
          if (nv < nt) values[i * nt + nv] = v;
          nv++;
        }
      } else if (k === 0x1a && !withLabels && pos < end && buf[pos] < 0x80) {
        // A short label we do not want: skip it inline (heap profiles carry one per sample).
        hasLabels = true;
        pos += buf[pos] + 1;
        if (pos > end) throw new WireError('a sample label runs past the end of its sample', pos, end === buf.length);
      } else {
        r.pos = pos;
        r.limit = end;
        if (k >>> 3 === 3) {
          hasLabels = true;
          if (withLabels) (sampleLabels ??= []).push(readLabel(r, k & 7));
          else r.skip(k & 7, 3);
        } else {
          if (k >>> 3 === 0) throw new WireError('field number 0 is not valid', pos);
          r.skip(k & 7, k >>> 3);
        }
        pos = r.pos;
      }
    }
    if (nv !== nt) badValueCounts++;
    if (labels && sampleLabels) labels[i] = sampleLabels.map((l) => res.label(l));
  }
  stackStart[count] = n;
  if (badValueCounts > 0) {
    res.warn(
      `${badValueCounts} sample(s) had a number of values different from the ${nt} sample types; missing values were read as 0`,
    );
  }
  const stackLocs = n < locs.length * 0.5 ? locs.slice(0, n) : locs.subarray(0, n);
  return { count, stackStart, stackLocs, values, labels, hasLabels };
}
