# Anole's gdb commands for Go processes: every goroutine in one JSON blob, and one goroutine's
# stack, variables and expressions, without needing the toolchain's runtime-gdb.py.
#
# Commands (each prints one line "ANOLE-JSON <json>"):
#   anole-goroutines START COUNT DEPTH [FILE]
#                                        goroutines of runtime.allgs[START:START+COUNT], each with
#                                        its current, user and go-statement locations (frame-pointer
#                                        walk of at most DEPTH frames over raw memory: fast); with
#                                        FILE the JSON goes there and the line says where
#   anole-stack GOID DEPTH               the goroutine's frames (gdb's DWARF unwinder; a frame-pointer
#                                        walk when no thread can be borrowed, or in a core)
#   anole-stacks DEPTH FILE GOID...      many goroutines' frames in one command, as JSON in FILE
#   anole-dump DEPTH FILE [CANCEL]       every goroutine with its stack in one pass, as JSON in FILE
#   anole-vars GOID FRAME args|locals    a frame's variables
#   anole-eval GOID FRAME CHILDREN EXPR  an expression in a frame: CHILDREN 1 lists its children
#                                        (fields, elements), 0 gives the value itself
#   anole-snapshot-regs FILE             the inferior is a fork snapshot (anole_snapshot.py): the
#                                        registers its threads had, by LWP, come from FILE, and a
#                                        running goroutine's stack starts there
#   anole-core-mode                      the inferior is a core dump: parked goroutines' stacks come
#                                        from a frame-pointer walk (a core's registers cannot be
#                                        pointed at them), their variables are not available
# Layouts of runtime.g and friends are read from the binary's DWARF types, so Go 1.19 .. 1.26 work.
import json
import os
import struct

import gdb

_STATUS = {0: 'idle', 1: 'runnable', 2: 'running', 3: 'syscall', 4: 'waiting', 5: 'moribund',
           6: 'dead', 7: 'enqueue', 8: 'copystack', 9: 'preempted', 10: 'leaked', 11: 'dead'}
_G_WAITING = 4
_G_DEAD = (6, 11)  # _Gdead, _Gdeadextra (Go 1.26)
# pc, sp, frame pointer and link register by gdb architecture (Go keeps frame pointers on both;
# [fp] is the caller's fp, [fp+8] the return address). arm64 is untested so far.
_REGS = {'i386:x86-64': ('rip', 'rsp', 'rbp', None), 'aarch64': ('pc', 'sp', 'x29', 'x30')}
_G_SCAN = 0x1000
_SYSTEM_PREFIXES = ('runtime.', 'runtime/', 'sync.', 'sync/', 'internal/')
_MAX_CHILDREN = 100
# Set by anole-core-mode: the inferior is a core file, whose registers gdb will not rewrite.
_CORE = False
# Set by anole-snapshot-regs: {lwp: {'pc', 'sp', 'bp'}} of the forked process's threads.
_SNAP = None


def _emit(obj):
    gdb.write('ANOLE-JSON ' + json.dumps(obj, separators=(',', ':')) + '\n')


def _lookup_type(name):
    try:
        return gdb.lookup_type(name)
    except gdb.error:
        return None


def _offset(t, path):
    """Byte offset of a dotted field path inside struct type t."""
    off = 0
    for part in path.split('.'):
        t = t.strip_typedefs()
        for f in t.fields():
            if f.name == part:
                off += f.bitpos // 8
                t = f.type
                break
        else:
            raise gdb.error('no field %s in %s' % (part, t))
    return off


class _Layout(object):
    """Offsets into runtime.g read once from DWARF."""

    def __init__(self):
        g = _lookup_type('runtime.g')
        if g is None:
            raise gdb.error('runtime.g is not in the debug info (a Go binary built without DWARF?)')
        self.g_size = g.sizeof
        self.goid = _offset(g, 'goid')
        self.status = _offset(g, 'atomicstatus')
        self.waitreason = _offset(g, 'waitreason')
        self.pc = _offset(g, 'sched.pc')
        self.sp = _offset(g, 'sched.sp')
        self.bp = _offset(g, 'sched.bp')
        self.lr = _offset(g, 'sched.lr')
        self.gopc = _offset(g, 'gopc')
        self.stack_hi = _offset(g, 'stack.hi')
        self.m = _offset(g, 'm')
        m = _lookup_type('runtime.m')
        self.procid = _offset(m, 'procid') if m is not None else None
        self.reasons = []
        try:
            arr = gdb.parse_and_eval("'runtime.waitReasonStrings'")
            lo, hi = arr.type.strip_typedefs().range()
            for i in range(lo, hi + 1):
                self.reasons.append(_go_string(arr[i]))
        except gdb.error:
            self.reasons = []


def _go_string(v):
    n = int(v['len'])
    if n <= 0:
        return ''
    ptr = int(v['str'])
    return bytes(gdb.selected_inferior().read_memory(ptr, min(n, 4096))).decode('utf-8', 'replace')


_layout = None
_locations = {}


def _get_layout():
    global _layout
    if _layout is None:
        _layout = _Layout()
    return _layout


def _function_symbols(pc):
    """The function symbols of the blocks holding pc, innermost first: the functions inlined there,
    then the one holding them (none where gdb knows no block)."""
    syms = []
    try:
        b = gdb.block_for_pc(pc)
        while b is not None:
            if b.function is not None:
                syms.append(b.function)
            b = b.superblock
    except RuntimeError:
        pass
    return syms


def _location(pc):
    """(function, file, line, outer) of a pc, cached. `outer` lists the functions this code was
    inlined into (innermost first) as (function, file); their call lines are not known here."""
    loc = _locations.get(pc)
    if loc is None:
        fns = [(sym.name, sym.symtab.fullname() if sym.symtab is not None else '') for sym in _function_symbols(pc)]
        fn = fns[0][0] if fns else (gdb.current_progspace().solib_name(pc) or '?')
        sal = gdb.find_pc_line(pc)
        f = sal.symtab.fullname() if sal.symtab is not None else ''
        loc = (fn, f, sal.line or 0, fns[1:])
        _locations[pc] = loc
    return loc


def _loc_json(pc):
    fn, f, line, _ = _location(pc)
    return {'function': fn, 'file': f, 'line': line, 'pc': pc}


def _is_system(fn):
    return fn.startswith(_SYSTEM_PREFIXES) or fn == '?'


def _threads_by_lwp():
    out = {}
    for t in gdb.selected_inferior().threads():
        out[t.ptid[1]] = t
    return out


def _regs():
    """Register names (pc, sp, fp, lr) of the inferior's architecture."""
    name = gdb.selected_inferior().architecture().name()
    regs = _REGS.get(name)
    if regs is None:
        raise gdb.GdbError('anole: architecture %s is not supported' % name)
    return regs


def _thread_regs(thread):
    """(pc, fp, thread num) of a stopped thread."""
    prev = gdb.selected_thread()
    try:
        thread.switch()
        f = gdb.newest_frame()
        return int(f.pc()), int(f.read_register(_regs()[2])), thread.num
    finally:
        if prev is not None:
            prev.switch()


def _fp_walk(mem, pc, bp, depth):
    """Yields (index, pc, location) for at most depth frames by a frame-pointer walk.

    Go keeps frame pointers: [bp] is the caller's bp, [bp+8] the return address. Return addresses
    point after the call, so a caller's line is looked up at pc-1. The walk ends at
    runtime.goexit, a zero or unreadable frame pointer, or a frame pointer that does not grow.
    """
    for i in range(depth):
        loc = _location(pc if i == 0 else pc - 1)
        yield i, pc, loc
        if loc[0] == 'runtime.goexit' or not bp:
            return
        try:
            nbp, ret = struct.unpack('<QQ', bytes(mem(bp, 16)))
        except gdb.MemoryError:
            return
        if ret == 0 or nbp <= bp:
            return
        pc, bp = ret, nbp


def _first_user_frame(mem, pc, bp, depth):
    """The innermost frame outside the runtime, by a frame-pointer walk of at most depth frames."""
    for _, fpc, (fn, f, line, outer) in _fp_walk(mem, pc, bp, depth):
        if not _is_system(fn):
            return {'function': fn, 'file': f, 'line': line, 'pc': fpc}
        for ofn, ofile in outer:
            # runtime code inlined into user code: the user function, line unknown (0)
            if not _is_system(ofn):
                return {'function': ofn, 'file': ofile, 'line': 0, 'pc': fpc}
    return None


def _fp_frames(mem, pc, bp, depth):
    """Frames by a frame-pointer walk (as _first_user_frame walks): a core's parked goroutines."""
    return [{'index': i, 'function': fn, 'file': f, 'line': line, 'pc': fpc}
            for i, fpc, (fn, f, line, _) in _fp_walk(mem, pc, bp, depth)]


_inline_cache = {}
# Where gdb's unwinder ends a goroutine's stack: its entry, and main.main (gdb stops past main).
_LAST_FRAMES = ('runtime.goexit', 'main.main')


def _inline_frames(pc):
    """The frames gdb's unwinder shows at (lookup) pc, innermost first, as (function, file, line):
    one per function inlined there, then the function holding them. An inlined function's symbol
    carries its call site (DW_AT_call_file/line): the line of the frame that holds it. Cached."""
    frames = _inline_cache.get(pc)
    if frames is None:
        syms = _function_symbols(pc)
        sal = gdb.find_pc_line(pc)
        f, line = (sal.symtab.fullname() if sal.symtab is not None else ''), sal.line or 0
        frames = []
        for sym in syms:
            frames.append((sym.name, f, line))
            f, line = (sym.symtab.fullname() if sym.symtab is not None else ''), sym.line
        if not frames:
            frames.append((gdb.current_progspace().solib_name(pc) or '?', f, line))
        _inline_cache[pc] = frames
    return frames


def _walk_stack(mem, pc, bp, hi, depth):
    """A parked goroutine's frames (function, file, line) as gdb's unwinder shows them (inlined calls
    included), by a frame-pointer walk over its stack read at once (from its frame pointer to
    stack.hi, at most 1 MiB): [bp] is the caller's bp, [bp+8] the return address. Ends after
    runtime.goexit or main.main (where gdb stops), at a zero or unreadable frame pointer, or one
    that does not grow."""
    out = []
    lo = bp
    stack = b''
    if bp and bp < hi <= bp + (1 << 20):
        try:
            stack = bytes(mem(bp, hi - bp))
        except gdb.MemoryError:
            stack = b''
    i = 0
    while len(out) < depth:
        for fn, f, line in _inline_frames(pc if i == 0 else pc - 1):
            if len(out) < depth:
                out.append((fn, f, line))
        if out[-1][0] in _LAST_FRAMES or not bp:
            break
        try:
            if lo <= bp and bp + 16 <= lo + len(stack):
                nbp, ret = struct.unpack_from('<QQ', stack, bp - lo)
            else:
                nbp, ret = struct.unpack('<QQ', bytes(mem(bp, 16)))
        except gdb.MemoryError:
            break
        # the outermost frame's caller (runtime.goexit) saved no frame pointer: shown, then the end
        if ret == 0 or (nbp and nbp <= bp):
            break
        pc, bp, i = ret, nbp, i + 1
    return out


class _Dump(gdb.Command):
    """anole-dump DEPTH FILE [CANCEL]: every goroutine with its stack, in one pass, as JSON in FILE:
    {"frames": [[function, file, line]...], "goroutines": [[id, state, [frame index...], go statement's
    frame index or -1]...], "errors": {g address: message}, "cancelled": bool} (each distinct frame
    once: 100k goroutines share a few hundred); the line printed says where. Parked goroutines by
    _walk_stack (~0.1 ms each, where gdb's unwinder on a borrowed thread takes ~5 ms); running ones
    and those in a system call from their thread (in a snapshot: its saved registers) by gdb's
    unwinder. Serves the stop-the-world dump of a live process and a core's too. It lends no thread
    to a parked goroutine, so it reads the same when every thread is inside a system call; only a
    goroutine marked running whose thread is missing would take a lent thread, and with none free
    it gets a frame-pointer walk. Stops early, with "cancelled", once the file CANCEL exists (looked
    for every 500 goroutines; made by the watchdog when its input ends, or on cancel)."""

    def __init__(self):
        super(_Dump, self).__init__('anole-dump', gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        args = arg.split()
        depth, out_file = int(args[0]), args[1]
        cancel = args[2] if len(args) > 2 else None
        lay = _get_layout()
        mem = gdb.selected_inferior().read_memory
        array, n = _allgs()
        threads = _threads_by_lwp()
        t = None if _CORE else _find_borrowable()
        borrow = _Borrow(t) if t is not None else False
        out, errors, cancelled = [], {}, False
        frames, index = [], {}

        def ref(fn, f, line):
            key = (fn, f, line)
            i = index.get(key)
            if i is None:
                i = index[key] = len(frames)
                frames.append(key)
            return i

        try:
            for i, gp in enumerate(struct.unpack('<%dQ' % n, bytes(mem(array, 8 * n))) if n else ()):
                if cancel and i % 500 == 0 and os.path.exists(cancel):
                    cancelled = True
                    break
                try:
                    g = _read_g(lay, mem, gp)
                    status = g['status'] & ~_G_SCAN
                    if status in _G_DEAD:
                        continue
                    if status in (2, 3):
                        stack = [ref(f['function'], f['file'], f['line'])
                                 for f in _stack_of(g['goid'], depth, (lay, mem, g), threads, borrow)]
                    elif g['pc']:
                        hi = struct.unpack('<Q', bytes(mem(gp + lay.stack_hi, 8)))[0]
                        stack = [ref(*f) for f in _walk_stack(mem, g['pc'], g['bp'], hi, depth)]
                    else:
                        stack = []
                    go = ref(*_location(g['gopc'] - 1)[:3]) if g['gopc'] else -1
                    out.append((g['goid'], _state(lay, g['status'], g['reason']), stack, go))
                except (gdb.error, gdb.GdbError, gdb.MemoryError) as e:
                    errors[str(gp)] = str(e)
        finally:
            if borrow:
                borrow.restore()
        data = json.dumps({'frames': frames, 'goroutines': out, 'errors': errors, 'cancelled': cancelled},
                          separators=(',', ':')).encode('utf-8')
        with open(out_file, 'wb') as fh:
            fh.write(data)
        _emit({'file': out_file, 'bytes': len(data), 'goroutines': len(out), 'cancelled': cancelled})


def _state(lay, status, reason):
    status &= ~_G_SCAN
    if status == _G_WAITING:
        if 0 <= reason < len(lay.reasons) and lay.reasons[reason]:
            return lay.reasons[reason]
        return 'waiting'
    return _STATUS.get(status, 'status %d' % status)


def _allgs():
    v = gdb.parse_and_eval("'runtime.allgs'")
    return int(v['array']), int(v['len'])


def _read_g(lay, mem, gp):
    raw = bytes(mem(gp, lay.g_size))
    u64 = lambda off: struct.unpack_from('<Q', raw, off)[0]
    return {
        'goid': u64(lay.goid),
        'status': struct.unpack_from('<I', raw, lay.status)[0],
        'reason': raw[lay.waitreason],
        'pc': u64(lay.pc), 'sp': u64(lay.sp), 'bp': u64(lay.bp), 'lr': u64(lay.lr),
        'gopc': u64(lay.gopc), 'm': u64(lay.m),
    }


def _snapshot_context(lay, mem, g):
    """In a snapshot, the registers the thread running g had at the fork, as a parked g's saved context."""
    if _SNAP is None or (g['status'] & ~_G_SCAN) not in (2, 3) or not g['m'] or lay.procid is None:
        return None
    try:
        lwp = struct.unpack('<Q', bytes(mem(g['m'] + lay.procid, 8)))[0]
    except gdb.MemoryError:
        return None
    r = _SNAP.get(lwp)
    return None if r is None else dict(g, pc=r['pc'], sp=r['sp'], bp=r['bp'], lr=0, lwp=lwp)


def _running_thread(lay, mem, g, threads):
    if not g['m'] or lay.procid is None:
        return None
    try:
        lwp = struct.unpack('<Q', bytes(mem(g['m'] + lay.procid, 8)))[0]
    except gdb.MemoryError:
        return None
    return threads.get(lwp)


class _Goroutines(gdb.Command):
    """anole-goroutines START COUNT DEPTH: one JSON page of goroutines."""

    def __init__(self):
        super(_Goroutines, self).__init__('anole-goroutines', gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        args = arg.split(None, 3)
        start, count, depth = [int(x) for x in args[:3]]
        out_file = args[3] if len(args) > 3 else None
        lay = _get_layout()
        inf = gdb.selected_inferior()
        mem = inf.read_memory
        array, n = _allgs()
        threads = _threads_by_lwp()
        out = []
        end = min(n, start + count)
        ptrs = struct.unpack('<%dQ' % (end - start), bytes(mem(array + 8 * start, 8 * (end - start)))) if end > start else ()
        for gp in ptrs:
            try:
                g = _read_g(lay, mem, gp)
            except gdb.MemoryError:
                continue
            if (g['status'] & ~_G_SCAN) in _G_DEAD:
                continue
            item = {'id': g['goid'], 'state': _state(lay, g['status'], g['reason'])}
            pc, bp = g['pc'], g['bp']
            snap = _snapshot_context(lay, mem, g) if (g['status'] & ~_G_SCAN) == 2 else None
            if snap is not None:
                pc, bp, item['lwp'] = snap['pc'], snap['bp'], snap['lwp']
            elif (g['status'] & ~_G_SCAN) == 2:
                t = _running_thread(lay, mem, g, threads)
                if t is not None:
                    pc, bp, item['thread'] = _thread_regs(t)
                    item['lwp'] = t.ptid[1]
            if pc:
                item['current'] = _loc_json(pc)
                user = _first_user_frame(mem, pc, bp, depth)
                if user is not None:
                    item['user'] = user
            if g['gopc']:
                item['go'] = _loc_json(g['gopc'] - 1)
            out.append(item)
        page = {'goroutines': out, 'next': end if end < n else -1, 'total': n}
        if out_file is None:
            _emit(page)
            return
        # Big pages go through a file: MI would escape and stream megabytes slowly, and the
        # target can run again while the file is read.
        data = json.dumps(page, separators=(',', ':')).encode('utf-8')
        with open(out_file, 'wb') as fh:
            fh.write(data)
        _emit({'file': out_file, 'bytes': len(data)})


# goid -> g pointer of a core dump (it never changes: built once, so reading every stack is linear).
_core_index = None


def _goid_index(lay, mem):
    """goid -> g pointer of every goroutine in runtime.allgs (one read of each g's goid); a live g
    wins over a dead one that kept the same goid."""
    array, n = _allgs()
    index = {}
    for gp in struct.unpack('<%dQ' % n, bytes(mem(array, 8 * n))):
        try:
            goid = struct.unpack('<Q', bytes(mem(gp + lay.goid, 8)))[0]
            if goid not in index or _is_dead(lay, mem, index[goid]):
                index[goid] = gp
        except gdb.MemoryError:
            pass
    return index


def _is_dead(lay, mem, gp):
    return (struct.unpack('<I', bytes(mem(gp + lay.status, 4)))[0] & ~_G_SCAN) in _G_DEAD


def _g_pointer(lay, mem, goid):
    global _core_index
    if _CORE:
        if _core_index is None:
            _core_index = _goid_index(lay, mem)
        return _core_index.get(goid)
    array, n = _allgs()
    for gp in struct.unpack('<%dQ' % n, bytes(mem(array, 8 * n))):
        if struct.unpack('<Q', bytes(mem(gp + lay.goid, 8)))[0] == goid:
            return gp
    return None


def _find_g(goid):
    lay = _get_layout()
    mem = gdb.selected_inferior().read_memory
    gp = _g_pointer(lay, mem, goid)
    if gp is not None:
        g = _read_g(lay, mem, gp)
        if (g['status'] & ~_G_SCAN) not in _G_DEAD:
            return lay, mem, g
    raise gdb.GdbError('no goroutine %d' % goid)


def _find_borrowable():
    """A stopped thread that is not inside a system call (orig_rax == -1), whose registers can be
    pointed at a parked goroutine and put back, or None. A thread stopped inside a syscall is never
    used: rewriting its pc cancels the kernel's restart of that syscall, and the runtime then crashes."""
    if _SNAP is not None:
        # a snapshot's one thread never runs Go code again (it is armed to exit): always safe
        return gdb.selected_inferior().threads()[0]
    for t in reversed(gdb.selected_inferior().threads()):
        t.switch()
        try:
            if int(gdb.newest_frame().read_register('orig_rax')) == -1:
                return t
        except (ValueError, gdb.error):
            return t  # no orig_rax on this architecture: no syscall-restart register to protect
    return None


def _borrowable_thread():
    t = _find_borrowable()
    if t is not None:
        return t
    raise gdb.GdbError('every thread of the process is inside a system call; Anole will not borrow one '
                       'to read a parked goroutine\'s variables (its stack is shown; use the dlv backend for them)')


def _assign(names, values, orig=None):
    """Sets registers of the selected thread in ONE gdb command (each command costs ~0.1 ms): the pc
    last, since gdb re-reads the frame after each write, and orig_rax after the pc (writing the pc
    sets it to -1)."""
    gdb.newest_frame().select()
    sets = ['$%s = %d' % (n, v) for n, v in reversed(list(zip(names, values)))]
    if orig is not None:
        sets.append('$orig_rax = %d' % orig)
    gdb.execute('set ' + ', '.join(sets), to_string=True)


class _Borrow(object):
    """A stopped thread lent to parked goroutines: point() aims its pc/sp/fp at one goroutine's saved
    context (as runtime-gdb.py's `goroutine` command does); restore() puts back its registers and
    orig_rax, before the command returns: the target only resumes after that."""

    def __init__(self, thread):
        self.thread = thread
        self.saved = None
        self.names = [r for r in _regs() if r is not None]
        self.orig = None

    def point(self, g):
        self.thread.switch()
        if self.saved is None:
            f = gdb.newest_frame()
            f.select()
            self.saved = [int(f.read_register(r)) for r in self.names]
            # Writing $pc makes gdb set orig_rax to -1 so the kernel does not restart an interrupted
            # system call; the thread we borrowed may be inside one (futex, epoll_wait), and losing its
            # restart makes it return -ERESTARTSYS into the Go runtime, which then crashes. Save it.
            try:
                self.orig = int(f.read_register('orig_rax'))
            except (ValueError, gdb.error):
                self.orig = None
        try:
            _assign(self.names, [g['pc'], g['sp'], g['bp'], g['lr']][:len(self.names)])
        except BaseException:
            self.restore()
            raise

    def restore(self):
        if self.saved is None:
            return
        # whatever thread the caller selected since
        self.thread.switch()
        _assign(self.names, self.saved, self.orig)
        self.saved = None


class _InGoroutine(object):
    """Context in which gdb's newest frame is goroutine goid's innermost frame.

    A running goroutine is its thread's. A parked one is shown on a borrowed thread (_Borrow),
    restored on exit. (gdb 13's `frame view` would not write registers, but its frames cannot be
    unwound.)
    """

    def __init__(self, goid, found=None, threads=None):
        lay, mem, g = found if found is not None else _find_g(goid)
        self.thread = None
        self.borrow = None
        # running (2) or in a system call (3): its own thread holds its stack; never rewrite that thread
        if (g['status'] & ~_G_SCAN) in (2, 3):
            self.thread = _running_thread(lay, mem, g, threads if threads is not None else _threads_by_lwp())
        self.g = g

    def __enter__(self):
        if self.thread is not None:
            self.thread.switch()
            return self
        if not self.g['pc']:
            raise gdb.GdbError('goroutine has no saved context')
        if _CORE:
            # a core's registers cannot be pointed at it: no frames (globals still evaluate)
            self.core_parked = True
            return self
        self.borrow = _Borrow(_borrowable_thread())
        self.borrow.point(self.g)
        return self

    def newest(self):
        if getattr(self, 'core_parked', False):
            raise gdb.GdbError('gdb cannot show the frames of a parked goroutine in a core dump: its variables are not '
                               'available (open the core with the dlv backend for them; global variables still evaluate)')
        return gdb.newest_frame()

    def __exit__(self, *exc):
        if self.borrow is not None:
            self.borrow.restore()
            self.borrow = None
        return False


def _frames(first, depth):
    out = []
    f = first
    while f is not None and len(out) < depth and f.pc():
        out.append(f)
        if f.name() == 'runtime.goexit':
            break
        try:
            f = f.older()
        except gdb.error:
            break
    return out


def _frame_list(first, depth):
    frames = []
    for i, f in enumerate(_frames(first, depth)):
        sal = f.find_sal()
        fn = f.name() or _location(int(f.pc()))[0]
        frames.append({'index': i, 'function': fn, 'pc': int(f.pc()),
                       'file': sal.symtab.fullname() if sal.symtab is not None else '', 'line': sal.line or 0})
    return frames


def _stack_of(goid, depth, found=None, threads=None, borrow=None):
    """Frames of one goroutine. A caller reading many stacks in one stop passes `found`, `threads`
    and `borrow` (a _Borrow it restores afterwards, or False when no thread is safe to borrow)."""
    lay, mem, g = found if found is not None else _find_g(goid)
    if threads is None:
        threads = _threads_by_lwp()
    snap = _snapshot_context(lay, mem, g)
    if snap is not None:
        g = snap  # its thread is not in the snapshot: the forked thread is pointed at its registers
    thread = _running_thread(lay, mem, g, threads) if snap is None and (g['status'] & ~_G_SCAN) in (2, 3) else None
    if thread is not None:
        if borrow and borrow.thread.ptid == thread.ptid:
            borrow.restore()  # the borrowed thread runs this goroutine: its own registers first
        thread.switch()
        return _frame_list(gdb.newest_frame(), depth)
    if borrow is None and not _CORE:
        t = _find_borrowable()
        borrow = _Borrow(t) if t is not None else False
        if borrow:
            try:
                return _stack_of(goid, depth, (lay, mem, g), threads, borrow)
            finally:
                borrow.restore()
    # A parked goroutine in a core, or when every thread is inside a system call (none can be
    # borrowed safely): its stack by a frame-pointer walk (no variables for those frames).
    if _CORE or not borrow or not g['pc']:
        return _fp_frames(mem, g['pc'], g['bp'], depth) if g['pc'] else []
    borrow.point(g)
    return _frame_list(gdb.newest_frame(), depth)


class _Stack(gdb.Command):
    """anole-stack GOID DEPTH: the goroutine's frames."""

    def __init__(self):
        super(_Stack, self).__init__('anole-stack', gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        goid, depth = [int(x) for x in arg.split()]
        _emit({'frames': _stack_of(goid, depth)})


class _Stacks(gdb.Command):
    """anole-stacks DEPTH FILE GOID...: the frames of many goroutines in one command, as JSON in FILE
    ({"stacks": {goid: frames}, "errors": {goid: message}}); the line printed says where."""

    def __init__(self):
        super(_Stacks, self).__init__('anole-stacks', gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        args = arg.split()
        depth, out_file, goids = int(args[0]), args[1], [int(x) for x in args[2:]]
        lay = _get_layout()
        mem = gdb.selected_inferior().read_memory
        index = _goid_index(lay, mem)
        threads = _threads_by_lwp()
        t = None if _CORE else _find_borrowable()
        borrow = _Borrow(t) if t is not None else False
        stacks, errors = {}, {}
        try:
            for goid in goids:
                try:
                    gp = index.get(goid)
                    g = _read_g(lay, mem, gp) if gp is not None else None
                    if g is None or (g['status'] & ~_G_SCAN) in _G_DEAD:
                        raise gdb.GdbError('no goroutine %d' % goid)
                    stacks[str(goid)] = _stack_of(goid, depth, (lay, mem, g), threads, borrow)
                except (gdb.error, gdb.GdbError, gdb.MemoryError) as e:
                    errors[str(goid)] = str(e)
        finally:
            if borrow:
                borrow.restore()
        data = json.dumps({'stacks': stacks, 'errors': errors}, separators=(',', ':')).encode('utf-8')
        with open(out_file, 'wb') as fh:
            fh.write(data)
        _emit({'file': out_file, 'bytes': len(data)})


def _render(v):
    try:
        s = v.format_string(max_elements=_MAX_CHILDREN, repeat_threshold=0)
    except (gdb.error, gdb.MemoryError, TypeError) as e:
        try:
            s = str(v)
        except (gdb.error, gdb.MemoryError):
            s = '<unreadable: %s>' % e
    return s if len(s) <= 4000 else s[:4000] + '...'


def _type_name(v):
    try:
        return str(v.type)
    except gdb.error:
        return '?'


def _has_children(v):
    t = v.type.strip_typedefs()
    return t.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_ARRAY, gdb.TYPE_CODE_PTR, gdb.TYPE_CODE_UNION)


def _in_register(v):
    try:
        return v.address is None and not v.is_optimized_out and v.type.strip_typedefs().code != gdb.TYPE_CODE_FUNC
    except gdb.error:
        return False


def _var(name, v, expr, trust_registers=True):
    if not trust_registers and _in_register(v):
        # Go has no callee-saved registers: only the innermost frame of a running goroutine
        # has its registers; elsewhere gdb would show another function's leftovers.
        return {'name': name, 'type': _type_name(v), 'value': '<not available: held in a register>'}
    item = {'name': name, 'type': _type_name(v), 'value': _render(v)}
    try:
        if _has_children(v) and not (v.type.strip_typedefs().code == gdb.TYPE_CODE_PTR and int(v) == 0):
            item['ref'] = expr
    except (gdb.error, gdb.MemoryError):
        pass
    return item


def _children(v, expr):
    t = v.type.strip_typedefs()
    out = []
    if t.code == gdb.TYPE_CODE_PTR:
        if int(v) == 0:
            return out
        return [_var('*', v.dereference(), '(*(%s))' % expr)]
    if t.code == gdb.TYPE_CODE_ARRAY:
        lo, hi = t.range()
        for i in range(lo, min(hi, lo + _MAX_CHILDREN - 1) + 1):
            out.append(_var('[%d]' % i, v[i], '(%s)[%d]' % (expr, i)))
        return out
    if t.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        fields = [f.name for f in t.fields() if f.name]
        # a Go slice: show its elements
        if fields[:3] == ['array', 'len', 'cap'] and v['array'].type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
            n = min(int(v['len']), _MAX_CHILDREN)
            for i in range(n):
                out.append(_var('[%d]' % i, v['array'][i], '(%s).array[%d]' % (expr, i)))
            return out
        for name in fields:
            out.append(_var(name, v[name], '(%s).%s' % (expr, name)))
    return out


def _select_frame(g, index):
    f = g.newest()
    for _ in range(index):
        nf = f.older()
        if nf is None:
            raise gdb.GdbError('no frame %d' % index)
        f = nf
    f.select()
    return f


class _Vars(gdb.Command):
    """anole-vars GOID FRAME args|locals: a frame's variables."""

    def __init__(self):
        super(_Vars, self).__init__('anole-vars', gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        goid, index, kind = arg.split()
        out = []
        with _InGoroutine(int(goid)) as g:
            f = _select_frame(g, int(index))
            trust = g.thread is not None and int(index) == 0
            try:
                block = f.block()
            except RuntimeError:
                block = None
            seen = set()
            while block is not None:
                for sym in block:
                    if not sym.is_variable and not sym.is_argument:
                        continue
                    if sym.is_argument != (kind == 'args') or sym.name in seen:
                        continue
                    seen.add(sym.name)
                    try:
                        out.append(_var(sym.name, sym.value(f), sym.name, trust))
                    except (gdb.error, gdb.MemoryError) as e:
                        out.append({'name': sym.name, 'type': str(sym.type), 'value': '<unreadable: %s>' % e})
                if block.function is not None:
                    break
                block = block.superblock
        _emit({'variables': out})


class _Eval(gdb.Command):
    """anole-eval GOID FRAME CHILDREN EXPR: an expression (CHILDREN=1: list its children)."""

    def __init__(self):
        super(_Eval, self).__init__('anole-eval', gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        goid, index, children, expr = arg.split(None, 3)
        with _InGoroutine(int(goid)) as g:
            if not getattr(g, 'core_parked', False):
                _select_frame(g, int(index))
            v = gdb.parse_and_eval(expr)
            if children == '1':
                _emit({'variables': _children(v, expr)})
            else:
                _emit({'variable': _var(expr, v, expr)})


class _CoreMode(gdb.Command):
    """anole-core-mode: the inferior is a core dump."""

    def __init__(self):
        super(_CoreMode, self).__init__('anole-core-mode', gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        global _CORE
        _CORE = True
        _emit({'core': True})


class _SnapshotRegs(gdb.Command):
    """anole-snapshot-regs FILE: the inferior is a fork snapshot; FILE holds its threads' registers."""

    def __init__(self):
        super(_SnapshotRegs, self).__init__('anole-snapshot-regs', gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        global _SNAP
        with open(arg.strip()) as fh:
            data = json.load(fh)
        _SNAP = dict((t['lwp'], t) for t in data['threads'])
        _emit({'threads': len(_SNAP)})


_Goroutines()
_CoreMode()
_SnapshotRegs()
_Stack()
_Stacks()
_Dump()
_Vars()
_Eval()
