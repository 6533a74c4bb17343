# Anole's copy-on-write snapshot of a live Go process (linux/amd64), run as
#   gdb -nx -batch -x anole_snapshot.py
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
#         pass over memory, no debugger attached twice: ~0.1 ms a goroutine where unwinding each one
#         through gdb's frames took ~5 ms. ANOLE_DIR/cancel (made by the keeper when its input ends)
#         stops the read early, and prevents the snapshot when it exists before gdb attaches. While it
#         is read the child also has a SIGSTOP pending: should gdb die with the child's registers
#         lent to a goroutine, the child stops instead of running;
#   hold: the child is detached with SIGSTOP (stopped, untraced) for another debugger to read at leisure;
#   core: gcore writes the child with the forking thread's registers, and the child is killed; then
#         the core's thread notes are replaced by one per thread of the service, with all the
#         registers saved before the fork (so dlv or gdb sees every thread, running goroutines too).
# The threads' registers go to ANOLE_DIR/regs.json (a running goroutine's stack starts there) and
# the child's pid to ANOLE_DIR/child.pid as soon as it exists (the keeper kills it at the end).
# One line "ANOLE-SNAPSHOT <json>" reports the outcome, timings in ms; errors carry a `code`.
import json
import os
import signal
import struct
import time

import gdb

_SYS_CLONE, _SYS_CLOSE, _SYS_CLOSE_RANGE, _SYS_EXIT_GROUP = 56, 3, 436, 231
_CLONE_PARENT, _SIGCHLD = 0x8000, 17
_GREGS = ('rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
          'eflags', 'rip')
_ERRNO = {1: 'EPERM', 11: 'EAGAIN', 12: 'ENOMEM', 22: 'EINVAL', 38: 'ENOSYS'}
# struct user_regs_struct (sys/user.h), the order of NT_PRSTATUS's pr_reg
_USER_REGS = ('r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi', 'rdi',
              'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss', 'fs_base', 'gs_base', 'ds', 'es', 'fs', 'gs')
# per-thread core notes: NT_PRSTATUS, NT_FPREGSET, NT_PRXFPREG, NT_X86_XSTATE, NT_SIGINFO
_THREAD_NOTES = (1, 2, 0x46e62b7f, 0x202, 0x53494749)
_PRSTATUS_SIZE, _PR_PID, _PR_REG, _PR_FPVALID = 336, 32, 112, 328


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


def _full_regs():
    """The selected thread's registers in user_regs_struct order, or None (a gdb without fs_base)."""
    try:
        f = gdb.newest_frame()
        return [int(f.read_register(n)) & 0xffffffffffffffff for n in _USER_REGS]
    except (gdb.error, ValueError):
        return None


def _notes(data):
    """(name, type, desc) of each ELF note in data (4-byte aligned, as in Linux cores)."""
    out, off = [], 0
    while off + 12 <= len(data):
        namesz, descsz, typ = struct.unpack_from('<III', data, off)
        name_at = off + 12
        desc_at = name_at + ((namesz + 3) & ~3)
        out.append((data[name_at:name_at + namesz], typ, data[desc_at:desc_at + descsz]))
        off = desc_at + ((descsz + 3) & ~3)
    return out


def _note(name, typ, desc):
    pad = lambda b: b + b'\0' * (-len(b) % 4)
    return struct.pack('<III', len(name), len(desc), typ) + pad(name) + pad(desc)


def _core_threads(path, pid, threads):
    """Gives the copy's core (one thread: the one that forked) every thread the service had, with
    the registers saved before the fork, so a running goroutine's stack starts where it was: the
    per-thread notes are replaced by one NT_PRSTATUS per saved thread (its LWP, main thread first)
    appended to the file, and the PT_NOTE header points there. Returns the threads written, or 0
    when the core is not as expected (left as gcore wrote it)."""
    with open(path, 'r+b') as fh:
        ehdr = fh.read(64)
        if ehdr[:4] != b'\x7fELF' or ehdr[4] != 2 or ehdr[5] != 1:
            return 0
        phoff = struct.unpack_from('<Q', ehdr, 32)[0]
        phentsize, phnum = struct.unpack_from('<HH', ehdr, 54)
        for i in range(phnum):
            fh.seek(phoff + i * phentsize)
            p_type, _, p_offset, _, _, p_filesz, p_memsz = struct.unpack('<IIQQQQQ', fh.read(48))
            if p_type == 4:  # PT_NOTE
                break
        else:
            return 0
        fh.seek(p_offset)
        notes = _notes(fh.read(p_filesz))
        template = next((d for _, t, d in notes if t == 1), None)
        if template is None or len(template) != _PRSTATUS_SIZE:
            return 0
        body = [_note(n, t, d) for n, t, d in notes if t not in _THREAD_NOTES]
        for t in sorted(threads, key=lambda x: x['lwp'] != pid):
            st = bytearray(template)
            struct.pack_into('<i', st, _PR_PID, t['lwp'])
            struct.pack_into('<27Q', st, _PR_REG, *t['regs'])
            struct.pack_into('<i', st, _PR_FPVALID, 0)
            body.append(_note(b'CORE\0', 1, bytes(st)))
        data = b''.join(body)
        end = fh.seek(0, 2)
        at = end + (-end % 8)
        fh.write(b'\0' * (at - end) + data)
        fh.seek(phoff + i * phentsize + 8)
        fh.write(struct.pack('<Q', at))
        fh.seek(phoff + i * phentsize + 32)
        fh.write(struct.pack('<QQ', len(data), len(data) if p_memsz else 0))
    return len(threads)


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
    t_start = time.time()
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
    if os.path.exists(os.path.join(out_dir, 'cancel')):
        raise SnapshotError('cancelled', 'the snapshot was cancelled before gdb attached')
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
        full = []  # core mode: every register of every thread, for the core's thread notes
        for t in parent.threads():
            t.switch()
            r = _read_regs(('rip', 'rsp', 'rbp'))
            threads.append({'lwp': t.ptid[1], 'pc': r['rip'], 'sp': r['rsp'], 'bp': r['rbp']})
            if mode == 'core' and full is not None:
                regs = _full_regs()
                if regs is None:
                    full = None
                else:
                    full.append({'lwp': t.ptid[1], 'regs': regs})
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
                  'threads': len(threads), 'rssKb': rss, 'zombie': zombie, 'closed': closed, 'fdsLeft': left,
                  'setupMs': round((t0 - t_start) * 1000, 1)}
        if mode == 'core':
            _set_regs({'rip': forker_regs['rip'], 'rsp': forker_regs['rsp'], 'rbp': forker_regs['rbp']})
            tc = time.time()
            gdb.execute('gcore %s' % os.environ['ANOLE_CORE'], to_string=True)
            gdb.execute('kill inferiors %d' % child_inf.num, to_string=True)
            try:
                result['coreThreads'] = _core_threads(os.environ['ANOLE_CORE'], pid, full) if full else 0
            except (OSError, struct.error):
                result['coreThreads'] = 0  # the notes are appended before the header points at them: the core is as gcore wrote it
            result['writeMs'] = round((time.time() - tc) * 1000, 1)
        elif mode == 'dump':
            os.kill(child_pid, signal.SIGSTOP)  # stays pending: the child is never resumed by gdb
            read, result['readMs'] = _read_dump(out_dir, int(os.environ.get('ANOLE_DEPTH') or 100))
            result.update(dump=read['file'], dumpBytes=read['bytes'], goroutines=read['goroutines'], cancelled=read['cancelled'])
            tk = time.time()
            gdb.execute('kill inferiors %d' % child_inf.num, to_string=True)
            result['killMs'] = round((time.time() - tk) * 1000, 1)
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
