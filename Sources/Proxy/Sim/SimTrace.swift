import Cassette
import Foundation

/// The ground-truth trace: JSON Lines, one record per request, written by the engine's event
/// loop (see docs/simulator.md for the fields).
///
/// Records are buffered and written with `write(2)` when 1 MiB accumulates, every 250 ms and
/// at shutdown. Writes to a local file are short, so they happen on the loop itself.
final class SimTrace {
    let fd: Int32
    let path: String
    var buffer: [UInt8] = []
    /// Records written so far.
    var records = 0

    init(path: String) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SimConfigError("cannot open trace file '\(path)': \(String(cString: strerror(errno)))") }
        self.path = path
        buffer.reserveCapacity(1 << 20)
    }

    func append(_ record: JSONObject) {
        JSON.object(record).write(into: &buffer)
        buffer.append(0x0A)
        records += 1
        if buffer.count >= 1 << 20 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { b in
            var off = 0
            while off < b.count {
                guard let base = b.baseAddress else { return }
                let n = Foundation.write(fd, base + off, b.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                off += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() {
        flush()
        _ = Foundation.close(fd)
    }
}
