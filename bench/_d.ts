import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { decodeProfile, top } from '../src/core/pprof';
for (let i = 0; i < 6; i++) {
  const t0 = performance.now();
  const gz = readFileSync('/tmp/heap.pb.gz');
  const t1 = performance.now();
  const raw = gunzipSync(gz);
  const t2 = performance.now();
  const p = decodeProfile(raw);
  const t3 = performance.now();
  const r = top(p, { limit: 10 });
  const t4 = performance.now();
  console.log([t1 - t0, t2 - t1, t3 - t2, t4 - t3].map((x) => x.toFixed(1)).join(' '));
  if (i === 0) console.log(r.rows.slice(0, 5).map((x) => `${x.function} ${x.flat} ${x.cum}`));
}
