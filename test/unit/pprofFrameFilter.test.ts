// Package classification of Go symbol names (runtime, sync, internal, standard library).
import assert from 'node:assert/strict';
import {
  goPackageOf,
  isInternalFrame,
  isRuntimeFrame,
  isStdlibPackage,
  isSyncFrame,
  isSystemFrame,
} from '../../src/core/pprof';

describe('pprof frame filter', () => {
  it('finds the package of a Go symbol', () => {
    const cases: [string, string][] = [
      ['main.main', 'main'],
      ['main.main.func1', 'main'],
      ['sync.(*Mutex).Unlock', 'sync'],
      ['sync/atomic.(*Int32).Add', 'sync/atomic'],
      ['internal/sync.(*Mutex).Lock', 'internal/sync'],
      ['runtime/internal/atomic.Xadd', 'runtime/internal/atomic'],
      ['github.com/acme/svc/store.(*DB).Put', 'github.com/acme/svc/store'],
      ['gopkg.in/yaml%2ev3.(*parser).parse', 'gopkg.in/yaml%2ev3'],
      ['go.opencensus.io/trace.StartSpan', 'go.opencensus.io/trace'],
      ['main.Map[go.shape.int,go.shape.string]', 'main'],
      ['example.com/x.F[example.com/y.T]', 'example.com/x'],
      ['type:.eq.main.T', ''],
      ['<unknown>', ''],
    ];
    for (const [name, pkg] of cases) assert.equal(goPackageOf(name), pkg, name);
  });

  it('classifies runtime, sync and internal frames', () => {
    assert.ok(isRuntimeFrame('runtime.gopark'));
    assert.ok(isRuntimeFrame('runtime/internal/syscall.Syscall6'));
    assert.ok(!isRuntimeFrame('runtimex.Foo'));
    assert.ok(isSyncFrame('sync.(*WaitGroup).Wait'));
    assert.ok(isSyncFrame('sync/atomic.AddInt64'));
    assert.ok(!isSyncFrame('syncx.Do'));
    assert.ok(isInternalFrame('internal/poll.(*FD).Read'));
    assert.ok(isInternalFrame('crypto/internal/fips140/aes.Encrypt'));
    assert.ok(!isInternalFrame('github.com/acme/svc/internal/db.Open'), 'a module’s own internal package is user code');
    for (const n of ['runtime.semrelease1', 'sync.(*Mutex).unlockSlow', 'internal/sync.(*Mutex).Unlock']) assert.ok(isSystemFrame(n), n);
    for (const n of ['main.worker', 'net/http.(*conn).serve', 'github.com/acme/svc/internal/db.Open']) assert.ok(!isSystemFrame(n), n);
  });

  it('tells standard-library packages from modules', () => {
    assert.ok(isStdlibPackage('net/http'));
    assert.ok(isStdlibPackage('runtime'));
    assert.ok(!isStdlibPackage('main'));
    assert.ok(!isStdlibPackage('github.com/acme/svc'));
    assert.ok(!isStdlibPackage(''));
  });

  it('treats a module whose path has no dot ("module myservice") as user code', () => {
    assert.ok(!isStdlibPackage('myservice/db'));
    assert.ok(!isInternalFrame('myservice/internal/db.(*Pool).Get'));
    assert.ok(!isSystemFrame('myservice/internal/db.(*Pool).Get'));
    assert.ok(isSystemFrame('crypto/internal/fips140.Run'));
  });
});
