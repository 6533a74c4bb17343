// The Parca source on answers recorded from a real Parca v0.28.0 scraping three hotsvc replicas
// (test/fixtures/parca/): the series lookup names every label in sum_by and gets one series per
// replica, so the description counts them and the shared labels come back; a range without data
// (a pprof with no samples, no series) is a message.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { ParcaSource, type SourceQuery } from '../../src/core/sources';
import { seriesTotals } from '../../src/core/sources/parca';
import { repeatedStrings } from '../../src/core/sources/protoRead';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'parca');
const recorded = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name));
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds:delta';
const GIT_REF = '0123456789abcdef0123456789abcdef01234567';

/** A gRPC-web answer: one data frame (unless `data` is undefined) and the trailers frame. */
function grpcWeb(data: Buffer | undefined, status = 0, message = ''): Buffer {
  const frame = (flags: number, body: Buffer) => {
    const head = Buffer.alloc(5);
    head[0] = flags;
    head.writeUInt32BE(body.length, 1);
    return Buffer.concat([head, body]);
  };
  const trailers = Buffer.from(`grpc-status:${status}\r\ngrpc-message:${encodeURIComponent(message)}\r\n`);
  return Buffer.concat([...(data ? [frame(0, data)] : []), frame(0x80, trailers)]);
}

/** Replays recorded answers per method; keeps the request messages it got. */
async function replay(answers: Record<string, Buffer | { status: number; message: string }>): Promise<{ url: string; requests: Map<string, Uint8Array>; close(): Promise<void> }> {
  const requests = new Map<string, Uint8Array>();
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = (req.url ?? '').split('/').pop() ?? '';
      requests.set(method, Buffer.concat(chunks).subarray(5));
      const a = answers[method];
      const body = a === undefined ? grpcWeb(undefined, 12, `unknown method ${method}`) : Buffer.isBuffer(a) ? grpcWeb(a) : grpcWeb(undefined, a.status, a.message);
      res.writeHead(200, { 'content-type': 'application/grpc-web+proto' }).end(body);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => srv.close(() => r())) };
}

describe('Parca source on recorded Parca v0.28 answers', () => {
  const query: SourceQuery = { type: CPU, selector: '{job="hotsvc"}', range: { fromMs: Date.UTC(2026, 11, 6, 5, 3, 19), toMs: Date.UTC(2026, 11, 6, 5, 3, 39) } };

  it('reads one series per replica from a QueryRange answer, with its labels and total', () => {
    const series = seriesTotals(recorded('queryrange.bin'));
    const byReplica = Object.fromEntries(series.map((s) => [s.labels.replica, s.total]));
    assert.deepEqual(byReplica, { a: 1_630_000_000, b: 1_620_000_000, hot: 4_560_000_000 });
    for (const s of series) {
      assert.equal(s.labels.job, 'hotsvc');
      assert.equal(s.labels.service_git_ref, GIT_REF);
    }
  });

  it('asks QueryRange to sum by every label name, so the description counts the real series and shared labels come back', async () => {
    const server = await replay({ Query: recorded('query-merged.bin'), Labels: recorded('labels.bin'), QueryRange: recorded('queryrange.bin') });
    try {
      const res = await new ParcaSource({ url: server.url }).query(query);
      assert.equal(res.kind, 'profile');
      if (res.kind !== 'profile') return;
      assert.match(res.description, /: 3 series, 2026-12-06 05:03:19–05:03:39 UTC$/);
      assert.equal(res.labels.service_git_ref, GIT_REF);
      assert.equal(res.labels.service_repository, 'github.com/example/hotsvc');
      assert.equal(res.labels.replica, undefined, 'a label that differs between series is not shared');
      const sumBy = repeatedStrings('QueryRangeRequest', server.requests.get('QueryRange')!, 6);
      assert.deepEqual(sumBy, ['instance', 'job', 'replica', 'service_git_ref', 'service_repository']);
      // Parca wraps Labels matchers in braces itself.
      assert.deepEqual(repeatedStrings('LabelsRequest', server.requests.get('Labels')!, 1), ['job="hotsvc"']);
    } finally {
      await server.close();
    }
  });

  it('says "no profiles match" for a range Parca answers with an empty pprof and no series', async () => {
    const server = await replay({ Query: recorded('query-empty-range.bin'), Labels: Buffer.alloc(0), QueryRange: { status: 5, message: 'no data found for the query' } });
    try {
      const res = await new ParcaSource({ url: server.url }).query(query);
      assert.equal(res.kind, 'empty');
      assert.match(res.kind === 'empty' ? res.message : '', /^no profiles match in 2026-12-06 05:03:19–05:03:39 UTC: try a wider range/);
    } finally {
      await server.close();
    }
  });
});
