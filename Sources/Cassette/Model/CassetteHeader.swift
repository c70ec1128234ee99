/// The first record of every cassette.
public struct CassetteHeader: Sendable, Equatable {
    /// The format name written to every cassette.
    public static let formatName = "tapedeck-cassette"
    /// The major version this build reads and writes.
    public static let majorVersion = 1
    /// The full version string this build writes.
    public static let currentVersion = "1.0"

    /// Always ``formatName``.
    public var format: String
    /// "major.minor".
    public var version: String
    /// The writing tool, e.g. "tapedeck 0.1.0".
    public var tool: String
    /// Creation time, Unix nanoseconds.
    public var createdUnixNs: Int64
    /// Host facts: hostname, os, cpus…
    public var host: JSONObject
    /// Free-form metadata: the command, upstreams, replay match rules…
    public var meta: JSONObject

    /// A header for a new cassette.
    public init(tool: String, createdUnixNs: Int64, host: JSONObject = JSONObject(), meta: JSONObject = JSONObject()) {
        self.format = Self.formatName
        self.version = Self.currentVersion
        self.tool = tool
        self.createdUnixNs = createdUnixNs
        self.host = host
        self.meta = meta
    }

    func toJSON() -> JSON {
        .obj([
            ("type", "header"), ("format", .string(format)), ("version", .string(version)), ("tool", .string(tool)),
            ("created_unix_ns", .number(JSONNumber(text: String(createdUnixNs)))),
            ("created", .string(ISOTime.format(unixNs: createdUnixNs))),
            ("host", .object(host)), ("meta", .object(meta)),
        ])
    }

    init(json: JSON) throws(CassetteError) {
        guard json["format"]?.stringValue == Self.formatName else {
            throw .notACassette("header format is \(json["format"]?.text() ?? "missing"), expected \"\(Self.formatName)\"")
        }
        guard let v = json["version"]?.stringValue else { throw .schema("header without \"version\"") }
        let major = v.split(separator: ".").first.flatMap { Int($0) }
        guard major == Self.majorVersion else { throw .version(v) }
        format = Self.formatName
        version = v
        tool = json["tool"]?.stringValue ?? "unknown"
        createdUnixNs = json["created_unix_ns"]?.i64 ?? 0
        host = json["host"]?.objectValue ?? JSONObject()
        meta = json["meta"]?.objectValue ?? JSONObject()
    }
}

/// Formats Unix-nanosecond times as RFC 3339 UTC strings without Foundation.
public enum ISOTime {
    /// "2026-11-22T03:04:05.678Z" for a Unix time in nanoseconds.
    public static func format(unixNs: Int64) -> String {
        let ms = unixNs / 1_000_000
        var secs = ms / 1000
        let milli = Int(ms % 1000)
        let sod = Int(secs % 86400)
        secs /= 86400
        // Civil-from-days (Howard Hinnant's algorithm).
        let z = Int(secs) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        var y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        if m <= 2 { y += 1 }
        func p(_ v: Int, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(sod / 3600, 2)):\(p(sod / 60 % 60, 2)):\(p(sod % 60, 2)).\(p(milli, 3))Z"
    }

    /// Parses "YYYY-MM-DDTHH:MM:SS(.fff)?(Z|±HH:MM)" into Unix nanoseconds.
    public static func parse(_ s: String) -> Int64? {
        let b = Array(s.utf8)
        guard b.count >= 19 else { return nil }
        func num(_ a: Int, _ n: Int) -> Int? {
            var v = 0
            for k in a..<(a + n) { guard k < b.count, b[k] >= 48, b[k] <= 57 else { return nil }; v = v * 10 + Int(b[k] - 48) }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let se = num(17, 2) else { return nil }
        var i = 19
        var frac: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if digits < 9 { frac = frac * 10 + Int64(b[i] - 48); digits += 1 }
                i += 1
            }
            while digits < 9 { frac *= 10; digits += 1 }
        }
        var offset = 0
        if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = num(i + 1, 2), let om = num(i + 4, 2) else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        }
        // Days from civil.
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let mp = mo > 2 ? mo - 3 : mo + 9
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let secs = Int64(days) * 86400 + Int64(h * 3600 + mi * 60 + se) - Int64(offset)
        return secs * 1_000_000_000 + frac
    }
}
