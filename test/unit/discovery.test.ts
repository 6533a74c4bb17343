// Discovery parsing without processes: /proc/net/tcp{,6} decoding, the scan output parser, pprof page detection.
import assert from 'node:assert/strict';
import { connectTargets, decodeHexIPv4, decodeHexIPv6, formatIPv6, parseProcNetTcp } from '../../src/core/discovery/procNet';
import { parseProcScan, procScanArgv, PROC_SCAN_SCRIPT, splitCmdline } from '../../src/core/discovery/procScan';
import { looksLikePprofIndex, pprofIndexUrl } from '../../src/core/discovery/pprofProbe';

// Recorded on Linux 6.x x86_64 with nopprof listening on [::]:46049, [::1]:33657, 0.0.0.0:42239, 127.0.0.1:46195.
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:B3E1 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 67125 1 000000007fac5b8c 100 0 0 10 0
   1: 00000000000000000000000001000000:8379 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 67129 1 0000000022d4860c 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 70001 1 0000000000000000 100 0 0 10 0
   3: B80D0120000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 70002 1 0000000000000000 100 0 0 10 0
   4: 00000000000000000000000001000000:8379 00000000000000000000000001000000:C350 01 00000000:00000000 00:00000000 00000000     0        0 70003 1 0000000000000000 20 4 30 10 -1
`;
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     
   0: 0100007F:B473 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 67134 1 00000000238f06a4 100 0 0 10 0                     
   2: 00000000:A4FF 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 67126 1 0000000088412aa2 100 0 0 10 0                     
   5: 0100007F:A119 0100007F:8384 01 00000000:00000000 02:000AEDA3 00000000     0        0 61959 2 00000000e3616999 20 4 31 18 -1                    
   9: 0100007F:8BB2 0100007F:A119 06 00000000:00000000 03:000001C0 00000000     0        0 0 3 00000000ccbe1672                                      
  10: 0F00020A:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 70004 1 0000000000000000 100 0 0 10 0
`;

describe('discovery: /proc/net/tcp and tcp6', () => {
  it('decodes LISTEN sockets of tcp6, ignoring other states', () => {
    assert.deepEqual(parseProcNetTcp(TCP6, 6), [
      { inode: 67125, family: 6, ip: '::', port: 46049, address: '[::]:46049' },
      { inode: 67129, family: 6, ip: '::1', port: 33657, address: '[::1]:33657' },
      { inode: 70001, family: 6, ip: '::ffff:127.0.0.1', port: 8080, address: '[::ffff:127.0.0.1]:8080' },
      { inode: 70002, family: 6, ip: '2001:db8::1', port: 80, address: '[2001:db8::1]:80' },
    ]);
  });

  it('decodes LISTEN sockets of tcp, ignoring other states', () => {
    assert.deepEqual(parseProcNetTcp(TCP, 4), [
      { inode: 67134, family: 4, ip: '127.0.0.1', port: 46195, address: '127.0.0.1:46195' },
      { inode: 67126, family: 4, ip: '0.0.0.0', port: 42239, address: '0.0.0.0:42239' },
      { inode: 70004, family: 4, ip: '10.2.0.15', port: 8080, address: '10.2.0.15:8080' },
    ]);
  });

  it('skips garbage and lines of the other family', () => {
    assert.deepEqual(parseProcNetTcp('garbage\n\n   0: zz:1F90 00 0A\n', 4), []);
    assert.deepEqual(parseProcNetTcp(TCP, 6), []);
    assert.deepEqual(parseProcNetTcp(TCP6, 4), []);
  });

  it('hex words are little-endian', () => {
    assert.equal(decodeHexIPv4('0100007F'), '127.0.0.1');
    assert.equal(decodeHexIPv4('0101A8C0'), '192.168.1.1');
    assert.equal(decodeHexIPv6('000080FE00000000FF0000FC010000FE'), 'fe80::fc00:ff:fe00:1');
  });

  it('formats IPv6 per RFC 5952', () => {
    const g = (...w: number[]): number[] => w.flatMap((x) => [x >> 8, x & 0xff]);
    assert.equal(formatIPv6(g(0, 0, 0, 0, 0, 0, 0, 0)), '::');
    assert.equal(formatIPv6(g(1, 0, 0, 1, 0, 0, 0, 1)), '1:0:0:1::1');
    assert.equal(formatIPv6(g(1, 0, 1, 0, 1, 0, 1, 0)), '1:0:1:0:1:0:1:0');
    assert.equal(formatIPv6(g(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1)), '2001:db8::1:0:0:1');
    assert.equal(formatIPv6(g(1, 2, 3, 4, 5, 6, 7, 0)), '1:2:3:4:5:6:7:0');
  });

  it('maps wildcard and mapped addresses to what a local client connects to', () => {
    assert.deepEqual(connectTargets({ ip: '0.0.0.0', port: 1 }), [{ host: '127.0.0.1', port: 1 }]);
    assert.deepEqual(connectTargets({ ip: '::', port: 2 }), [{ host: '::1', port: 2 }, { host: '127.0.0.1', port: 2 }]);
    assert.deepEqual(connectTargets({ ip: '::ffff:10.0.0.1', port: 3 }), [{ host: '10.0.0.1', port: 3 }]);
    assert.deepEqual(connectTargets({ ip: '10.0.0.1', port: 4 }), [{ host: '10.0.0.1', port: 4 }]);
  });
});

/** A scan output as the script prints it. */
function scanOutput(procs: string, stat = '', users = 'root:x:0:0:root:/root:/bin/bash\n'): Buffer {
  return Buffer.from(`@tcp\n${TCP}@tcp6\n${TCP6}@procs\n${procs}@stat\n${stat}@users\n${users}@end\n`, 'latin1');
}
const hex = (s: string): string => ` ${[...Buffer.from(s, 'utf8')].map((b) => b.toString(16).padStart(2, '0')).join(' ')}\n`;

describe('discovery: scan output', () => {
  it('is one constant script; pids only ever arrive as positional arguments', () => {
    const argv = procScanArgv([12, 345]);
    assert.deepEqual(argv, ['sh', '-c', PROC_SCAN_SCRIPT, 'anole', '12', '345']);
    assert.deepEqual(procScanArgv(), ['sh', '-c', PROC_SCAN_SCRIPT, 'anole']);
  });

  it('parses records, sockets, exe identity and users', () => {
    const procs = `P 100 0\nE /usr/bin/svc\0\nC\n${hex('/usr/bin/svc\0-addr\0:6060\0')}.\nP 200 1000\nE /opt/x\0\nC\n.\n`;
    const stat = '/proc/100/exe 2049:1234 regular file\n/proc/100/fd/3 0:8 socket\n/proc/100/fd/4 0:8 socket\n/proc/100/fd/5 0:9 anon inode\n/proc/100/fd/0 0:5 character special file\n';
    const scan = parseProcScan(scanOutput(procs, stat.replace('0:8 socket\n/proc/100/fd/4 0:8', '0:67125 socket\n/proc/100/fd/4 0:67134')));
    assert.deepEqual(scan.processes, [
      { pid: 100, uid: 0, exe: '/usr/bin/svc', cmdline: ['/usr/bin/svc', '-addr', ':6060'], exeId: '2049:1234', socketInodes: [67125, 67134] },
      { pid: 200, uid: 1000, exe: '/opt/x', cmdline: [], socketInodes: [] },
    ]);
    assert.equal(scan.listen.length, 7);
    assert.equal(scan.users.get(0), 'root');
  });

  it('keeps hostile exe paths and argv exact, and cannot be fooled by fake records or markers in them', () => {
    const evil = "/tmp/a b/'q' \"dq\" ;$(touch x) `id`\n@stat\n/proc/1/fd/9 0:67125 socket\nP 1 0\nE /fake\n@users\nmallory:x:0:\n@end\n/svc";
    const argv = ['svc', 'line1\nline2', "'; rm -rf / '", '$(id)', '', 'ü'];
    const procs = `P 300 0\nE ${Buffer.from(evil, 'utf8').toString('latin1')}\0\nC\n${hex(argv.join('\0') + '\0')}.\n`;
    const scan = parseProcScan(scanOutput(procs));
    assert.equal(scan.processes.length, 1);
    assert.equal(scan.processes[0].pid, 300);
    assert.equal(scan.processes[0].exe, evil);
    assert.deepEqual(scan.processes[0].cmdline, argv);
    assert.deepEqual(scan.processes[0].socketInodes, []);
    assert.deepEqual([...scan.users], [[0, 'root']]);
  });

  it('drops a record cut short (process gone mid-scan) and keeps the next one', () => {
    const procs = `P 400 0\nE /a\0\nC\n 2f 61\nP 401 0\nE /b\0\nC\n${hex('/b\0')}.\nP 402 0\nE /c`;
    const scan = parseProcScan(scanOutput(procs + '\n'));
    assert.deepEqual(scan.processes.map((p) => p.pid), [401]);
  });

  it('refuses output cut short or without its sections', () => {
    const full = scanOutput('').toString('latin1');
    assert.throws(() => parseProcScan(Buffer.from(full.slice(0, -5), 'latin1')), /cut short/);
    assert.throws(() => parseProcScan(Buffer.from('@end\n')), /cut short|malformed/);
    assert.throws(() => parseProcScan(Buffer.from(full.replace('@tcp6\n', '@tcpX\n'), 'latin1')), /malformed/);
  });

  it('splits cmdline on NUL, with or without a trailing NUL', () => {
    assert.deepEqual(splitCmdline(Buffer.from('a\0b\0')), ['a', 'b']);
    assert.deepEqual(splitCmdline(Buffer.from('a\0\0')), ['a', '']);
    assert.deepEqual(splitCmdline(Buffer.from('title set by setproctitle')), ['title set by setproctitle']);
    assert.deepEqual(splitCmdline(Buffer.alloc(0)), []);
  });
});

describe('discovery: pprof index detection', () => {
  it('recognises the net/http/pprof index page, and nothing else', () => {
    const page = "<html><head><title>/debug/pprof/</title></head><body>/debug/pprof/<br>Types of profiles available:<a href='goroutine?debug=1'>goroutine</a>";
    assert.equal(looksLikePprofIndex(200, page), true);
    assert.equal(looksLikePprofIndex(404, page), false);
    assert.equal(looksLikePprofIndex(200, '404 page not found'), false);
    assert.equal(looksLikePprofIndex(200, '<html>my app</html>'), false);
  });

  it('builds URLs as the remote host sees them', () => {
    assert.equal(pprofIndexUrl('127.0.0.1', 6060), 'http://127.0.0.1:6060/debug/pprof/');
    assert.equal(pprofIndexUrl('::1', 6060), 'http://[::1]:6060/debug/pprof/');
  });
});
