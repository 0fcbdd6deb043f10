// SpawnSignals: the posix_spawn attributes of the programs the client starts (ssh,
// credential helpers): nothing blocked and the stop signals and SIGPIPE at their default
// action, whatever the starting thread blocks (an evaluation thread blocks the stop
// signals, a pool thread nearly all) or the process ignores (NIO ignores SIGPIPE).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum SpawnSignals {
    /// Initialised attributes for posix_spawn; the caller destroys them.
    static func attributes() -> posix_spawnattr_t {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        return attr
    }
}
