#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one monotonic clock of a load run, in ns (CLOCK_MONOTONIC, the clock NIO schedules on).
public enum MonoClock {
    /// Now, ns.
    @inline(__always)
    public static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }
}

/// CPU time used, from getrusage(2).
public enum CPUTime {
    /// User + system CPU seconds of the whole process.
    public static func process() -> Double {
        #if os(Linux)
        return read(RUSAGE_SELF.rawValue)
        #else
        return read(RUSAGE_SELF)
        #endif
    }

    /// User + system CPU seconds of the calling thread.
    public static func thread() -> Double {
        #if os(Linux)
        return read(1)  // RUSAGE_THREAD
        #else
        return read(RUSAGE_SELF)
        #endif
    }

    #if os(Linux)
    static func read(_ who: __rusage_who_t) -> Double {
        var u = rusage()
        getrusage(who, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }
    #else
    static func read(_ who: Int32) -> Double {
        var u = rusage()
        getrusage(who, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }
    #endif
}
