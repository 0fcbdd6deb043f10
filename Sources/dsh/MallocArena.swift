// MallocArena.swift: the dsh process's one malloc setting when it runs on glibc's malloc:
// every thread allocates from glibc's main arena.
#if canImport(Glibc)
import Glibc
#endif

/// Makes every thread of this process allocate from glibc's main arena.
///
/// dsh code runs on an evaluation thread of its own (for its large stack), and only one
/// thread runs dsh code at a time (the interpreter lock). By default glibc gives that
/// thread an arena of its own: a reserved heap it makes usable a page at a time, with
/// one `mprotect` system call per page it grows by. A script that builds 500k strings
/// made 11,666 of those calls (its whole heap, 4 KiB at a time), about a sixth of its
/// wall time in the kernel. The main arena grows with `brk` by 128 KiB or more at a
/// time: the same script makes 361 such calls. With one thread running dsh code at a
/// time, the per-thread arenas bought no parallelism worth that cost; the NIO threads
/// that carry Docker requests share the arena too, and glibc's per-thread caches serve
/// most of their small allocations without its lock.
///
/// Only the `dsh` executable makes this choice; a host that embeds `DshCore` keeps its
/// own malloc settings (see docs/embedding.md).
///
/// The released binary allocates with jemalloc instead (scripts/release-flags, which sets
/// DSH_JEMALLOC): glibc's malloc is not linked in, and this does nothing. (Calling
/// `mallopt` there would link glibc's malloc back in, beside jemalloc's.)
func useMainMallocArenaOnly() {
    #if canImport(Glibc) && !DSH_JEMALLOC
    _ = glibcMallopt(glibcArenaMax, 1)
    #endif
}

#if canImport(Glibc) && !DSH_JEMALLOC
/// glibc's `M_ARENA_MAX` (malloc.h), which Swift's Glibc module does not export.
private let glibcArenaMax: CInt = -8

/// glibc's `int mallopt(int param, int value)`: malloc.h is not in Swift's Glibc module,
/// and two `int` arguments pass the same way under Swift's and C's conventions.
@_silgen_name("mallopt")
private func glibcMallopt(_ param: CInt, _ value: CInt) -> CInt
#endif
