import Cassette
import Foundation

/// Facts about the machine and clock, for cassette headers.
public enum HostFacts {
    /// Hostname, OS, CPU count and memory.
    public static func current() -> JSONObject {
        let p = ProcessInfo.processInfo
        return JSONObject([
            ("hostname", .string(p.hostName)),
            ("os", .string(p.operatingSystemVersionString)),
            ("cpus", .int(p.activeProcessorCount)),
            ("memory_bytes", .number(JSONNumber(text: String(p.physicalMemory)))),
        ])
    }

    /// Wall-clock now, Unix ns.
    public static func unixNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Monotonic now, ns.
    public static func monoNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
