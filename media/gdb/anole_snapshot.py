# Anole's copy-on-write snapshot of a live Go process (linux/amd64), run as
#   gdb -nx -batch --readnever -x anole_snapshot.py
# with ANOLE_PID (target), ANOLE_DIR (private dir), ANOLE_MODE ("dump", "hold" or "core"), ANOLE_CORE (core file).
#
# gdb attaches (every thread stops), saves each thread's registers, points one thread at a `syscall`
# instruction of the runtime's text with clone(CLONE_PARENT|SIGCHLD) in its registers and steps it
# once: the kernel copies the process (page tables only, copy-on-write) and gdb keeps the child
# stopped as a second inferior, traced from birth. The thread's registers are put back (orig_rax
# too, so an interrupted system call restarts) and the parent is detached: the service runs again.
# The child never runs Go code: it closes its copies of the service's file descriptors (one
# injected close_range), then is armed: its registers point at `syscall` with exit_group(0), so
# whatever lets it run (a dead tracer, a stray SIGCONT) makes it exit at once. Then
#   dump: gdb loads the DWARF and reads every goroutine of the child into ANOLE_DIR/dump.json with
#         anole_goroutines.py (sitting next to this script): anole-dump, ANOLE_DEPTH frames each, the
#         running goroutines from the registers saved before the fork; then the child is killed. One
#         pass over memory, no debugger attached twice: ~0.3 ms a goroutine where unwinding each one
#         through gdb's frames took ~5 ms. ANOLE_DIR/cancel (made by the keeper when its input ends)
#         stops the read early;
#   hold: the child is detached with SIGSTOP (stopped, untraced) for another debugger to read at leisure;
#   core: gcore writes the child with the forking thread's registers, and the child is killed.
# The threads' registers go to ANOLE_DIR/regs.json (a running goroutine's stack starts there) and
# the child's pid to ANOLE_DIR/child.pid as soon as it exists (the keeper kills it at the end).
# One line "ANOLE-SNAPSHOT <json>" reports the outcome, timings in ms; errors carry a `code`.
import json
import os
import time

import gdb

_SYS_CLONE, _SYS_CLOSE, _SYS_CLOSE_RANGE, _SYS_EXIT_GROUP = 56, 3, 436, 231
_CLONE_PARENT, _SIGCHLD = 0x8000, 17
_GREGS = ('rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
          'eflags', 'rip')
_ERRNO = {1: 'EPERM', 11: 'EAGAIN', 12: 'ENOMEM', 22: 'EINVAL', 38: 'ENOSYS'}


class SnapshotError(Exception):
    def __init__(self, code, message):
        Exception.__init__(self, message)
        self.code = code


def _report(obj):
    gdb.write('ANOLE-SNAPSHOT ' + json.dumps(obj, separators=(',', ':')) + '\n')
    gdb.flush()


def _syscall_address(pid):
    """The address of a `syscall` instruction (0f 05) in the executable's text, read before attaching.
    Any 0f 05 will do: the thread executes one instruction from it."""
    exe = os.readlink('/proc/%d/exe' % pid)
    with open('/proc/%d/maps' % pid) as maps, open('/proc/%d/mem' % pid, 'rb', 0) as mem:
        for line in maps:
            parts = line.split(None, 5)
            if len(parts) < 6 or not parts[1].startswith('r-x') or parts[5].strip() != exe:
                continue
            lo, hi = [int(x, 16) for x in parts[0].split('-')]
            mem.seek(lo)
            code = mem.read(min(hi - lo, 1 << 22))
            at = code.find(b'\x0f\x05')
            if at >= 0:
                return lo + at
    raise SnapshotError('no-syscall', 'no syscall instruction found in the text of %s' % exe)


def _read_regs(names):
    f = gdb.newest_frame()
    return dict((n, int(f.read_register(n))) for n in names)


def _set_regs(values, orig=None):
    """Writes registers in one command, rip last (gdb re-reads the frame after each write) and
    orig_rax after it (writing rip sets orig_rax to -1, which cancels a syscall restart)."""
    sets = ['$%s = %d' % (n, v) for n, v in values.items() if n != 'rip']
    if 'rip' in values:
        sets.append('$rip = %d' % values['rip'])
    if orig is not None:
        sets.append('$orig_rax = %d' % orig)
    gdb.execute('set ' + ', '.join(sets), to_string=True)


def _inject(addr, nr, args):
    """Runs one system call on the selected (stopped) thread; returns rax (negative: -errno)."""
    regs = {'rip': addr, 'rax': nr}
    for name, value in zip(('rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'), args):
        regs[name] = value
    _set_regs(regs)
    gdb.execute('stepi', to_string=True)
    rax = int(gdb.newest_frame().read_register('rax'))
    return rax - (1 << 64) if rax >= 1 << 63 else rax


def _errno(rax):
    return _ERRNO.get(-rax, 'errno %d' % -rax)


def _fork(addr, pid):
    """clone(CLONE_PARENT|SIGCHLD) on the selected thread, then its registers put back. The child
    gets the service's parent (a supervisor reaps it), else (the service is an init: EINVAL) it
    becomes the service's own child and stays a zombie there."""
    saved = _read_regs(_GREGS)
    orig = int(gdb.newest_frame().read_register('orig_rax'))
    zombie = False
    try:
        rax = _inject(addr, _SYS_CLONE, (_CLONE_PARENT | _SIGCHLD, 0, 0, 0, 0))
        if rax == -22:
            zombie = True
            rax = _inject(addr, _SYS_CLONE, (_SIGCHLD, 0, 0, 0, 0))
    finally:
        _set_regs(saved, orig)
    if rax < 0:
        raise SnapshotError('fork-' + _errno(rax).lower(), 'the process could not fork: %s' % _errno(rax))
    return rax, zombie


def _arm(addr, child_inf):
    """Closes the child's file descriptors and points it at exit_group(0)."""
    gdb.execute('inferior %d' % child_inf.num, to_string=True)
    child_inf.threads()[0].switch()
    closed = 'close_range'
    if _inject(addr, _SYS_CLOSE_RANGE, (0, 0xffffffff, 0)) < 0:
        closed = 'close'
        for fd in sorted(int(x) for x in os.listdir('/proc/%d/fd' % child_inf.pid)):
            _inject(addr, _SYS_CLOSE, (fd,))
    left = len(os.listdir('/proc/%d/fd' % child_inf.pid))
    _set_regs({'rip': addr, 'rax': _SYS_EXIT_GROUP, 'rdi': 0})
    return closed, left


def _rss_kb(pid):
    with open('/proc/%d/status' % pid) as fh:
        for line in fh:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def _read_dump(out_dir, depth):
    """Reads every goroutine of the (selected, armed) child into out_dir/dump.json with the
    goroutines script's anole-dump (the running ones from the threads' registers in regs.json);
    stops early once out_dir/cancel exists (the keeper's input ended). Returns what the command
    printed and the ms it took. A borrowed thread gets its registers back: the child stays armed."""
    t = time.time()
    # the DWARF, now that the service runs again: a new BFD, since the one read with -readnever keeps none
    gdb.execute('maint set bfd-sharing off', to_string=True)
    gdb.execute('symbol-file /proc/%d/exe' % gdb.selected_inferior().pid, to_string=True)
    gdb.execute('source %s' % os.path.join(out_dir, 'anole_goroutines.py'), to_string=True)
    gdb.execute('anole-snapshot-regs %s' % os.path.join(out_dir, 'regs.json'), to_string=True)
    text = gdb.execute('anole-dump %d %s %s' % (depth, os.path.join(out_dir, 'dump.json'), os.path.join(out_dir, 'cancel')),
                       to_string=True)
    line = [x for x in text.splitlines() if x.startswith('ANOLE-JSON ')][-1]
    return json.loads(line[len('ANOLE-JSON '):]), round((time.time() - t) * 1000, 1)


def main():
    pid, out_dir, mode = int(os.environ['ANOLE_PID']), os.environ['ANOLE_DIR'], os.environ['ANOLE_MODE']
    for c in ('set pagination off', 'set confirm off', 'set detach-on-fork off', 'set follow-fork-mode parent',
              'set auto-solib-add off', 'set libthread-db-search-path',
              'handle SIGURG SIGPIPE SIGCHLD SIGWINCH SIGPROF SIGALRM nostop noprint pass'):
        gdb.execute(c, to_string=True)
    # the executable's ELF symbols are read now, not while the process is stopped (its DWARF after)
    try:
        gdb.execute('file -readnever /proc/%d/exe' % pid, to_string=True)
    except gdb.error:  # before gdb 8.2
        gdb.execute('file /proc/%d/exe' % pid, to_string=True)
    addr = _syscall_address(pid)
    rss = _rss_kb(pid)
    t0 = time.time()
    gdb.execute('attach %d' % pid, to_string=True)
    parent = gdb.selected_inferior()
    child_inf = None
    try:
        t_attached = time.time()
        arch = parent.architecture().name()
        if arch != 'i386:x86-64':
            raise SnapshotError('arch', 'snapshots are made on linux/amd64 only, not %s' % arch)
        gdb.execute('set scheduler-locking on', to_string=True)
        threads = []
        for t in parent.threads():
            t.switch()
            r = _read_regs(('rip', 'rsp', 'rbp'))
            threads.append({'lwp': t.ptid[1], 'pc': r['rip'], 'sp': r['rsp'], 'bp': r['rbp']})
        forker = parent.threads()[-1]  # gdb lists the newest first: the last is the main thread
        forker.switch()
        forker_regs = _read_regs(('rip', 'rsp', 'rbp'))
        child_pid, zombie = _fork(addr, pid)
        with open(os.path.join(out_dir, 'child.pid'), 'w') as fh:
            fh.write('%d\n' % child_pid)
        child_inf = next((i for i in gdb.inferiors() if i.pid == child_pid), None)
        if child_inf is None:
            os.kill(child_pid, 9)
            raise SnapshotError('no-child', 'gdb did not keep the snapshot process %d' % child_pid)
        t_forked = time.time()
        gdb.execute('detach inferiors %d' % parent.num, to_string=True)
        t1 = time.time()
    except BaseException:
        if parent.pid:
            gdb.execute('detach inferiors %d' % parent.num, to_string=True)
        raise
    try:
        closed, left = _arm(addr, child_inf)
        with open(os.path.join(out_dir, 'regs.json'), 'w') as fh:
            json.dump({'pid': pid, 'child': child_pid, 'threads': threads}, fh)
        result = {'ok': True, 'pid': pid, 'child': child_pid, 'pauseMs': round((t1 - t0) * 1000, 1),
                  'attachMs': round((t_attached - t0) * 1000, 1), 'forkMs': round((t_forked - t_attached) * 1000, 1),
                  'threads': len(threads), 'rssKb': rss, 'zombie': zombie, 'closed': closed, 'fdsLeft': left}
        if mode == 'core':
            _set_regs({'rip': forker_regs['rip'], 'rsp': forker_regs['rsp'], 'rbp': forker_regs['rbp']})
            tc = time.time()
            gdb.execute('gcore %s' % os.environ['ANOLE_CORE'], to_string=True)
            result['writeMs'] = round((time.time() - tc) * 1000, 1)
            gdb.execute('kill inferiors %d' % child_inf.num, to_string=True)
        elif mode == 'dump':
            read, result['readMs'] = _read_dump(out_dir, int(os.environ.get('ANOLE_DEPTH') or 100))
            result.update(dump=read['file'], dumpBytes=read['bytes'], goroutines=read['goroutines'], cancelled=read['cancelled'])
            gdb.execute('kill inferiors %d' % child_inf.num, to_string=True)
        else:
            # hold: stopped and untraced, for another debugger to read; armed if anything resumes it
            gdb.execute('queue-signal SIGSTOP', to_string=True)
            gdb.execute('detach inferiors %d' % child_inf.num, to_string=True)
        _report(result)
    except BaseException:
        os.kill(child_pid, 9)
        raise


try:
    main()
except SnapshotError as e:
    _report({'ok': False, 'code': e.code, 'error': str(e)})
except (gdb.error, OSError) as e:
    _report({'ok': False, 'code': 'gdb', 'error': str(e)})
