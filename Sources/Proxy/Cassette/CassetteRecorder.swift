import Cassette
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counters a recorder keeps for `/metrics` and its shutdown summary.
public struct RecorderStats: Sendable, Equatable {
    /// Records waiting to be written.
    public var queued = 0
    /// Records written to disk.
    public var written = 0
    /// Records lost: the queue was full or the disk refused them.
    public var dropped = 0
    /// Frames written.
    public var frames = 0
    /// Compressed bytes written.
    public var bytes = 0
    /// Raw JSON bytes encoded.
    public var rawBytes = 0
    /// The last write error, if the file is failing now.
    public var failing: String?
}

/// The single writer of a cassette file.
///
/// Any number of connections call ``record(_:)``, which only enqueues. One task runs
/// ``run()``: it drains everything queued, encodes it (redaction, de-duplication), and
/// writes one LZ4 frame per drain, so a frame is flushed as soon as an exchange completes and
/// busy periods batch naturally. A periodic tick flushes at least every `flushInterval`.
/// A failed write (a full disk) rolls the file back to its last good frame, counts the lost
/// records and keeps going.
public final class CassetteRecorder: Sendable {
    struct State {
        var queue: [Record] = []
        var stats = RecorderStats()
        var finished = false
    }

    /// The file being written.
    public let path: String
    let state = Mutex(State())
    let encoder: Mutex<CassetteEncoder>
    let fd: Int32
    let goodSize: Mutex<Int>
    let doorbell: AsyncStream<Void>
    let bell: AsyncStream<Void>.Continuation
    let flushInterval: Duration
    let maxQueue: Int
    let logger: Logger
    let prepare: (@Sendable (inout Record) -> Void)?

    /// Opens (or creates) `path`. A new or empty file gets `header`; with `append`, an
    /// existing cassette is continued and its blobs are reused.
    ///
    /// `prepare`, when given, runs on the writer for every record just before it is encoded,
    /// in queue order: the place for work too heavy for a request path (deriving facts,
    /// linking trajectories).
    public init(path: String, header: CassetteHeader, redactor: Redactor = Redactor(), append: Bool = false,
                flushInterval: Duration = .milliseconds(250), maxQueue: Int = 100_000, logger: Logger = Logger(label: "tapedeck.recorder"),
                prepare: (@Sendable (inout Record) -> Void)? = nil) throws {
        self.path = path
        self.prepare = prepare
        self.flushInterval = flushInterval
        self.maxQueue = maxQueue
        self.logger = logger
        var known: Set<String> = []
        var existing = 0
        if append, access(path, F_OK) == 0 {
            let report = try CassetteFile.read(path: path, mode: .raw) { _ in }
            if let issue = report.issue { throw CassetteError.io("cannot append to \(path): \(issue)") }
            known = report.blobNames
            existing = report.fileBytes
        }
        let flags = append ? (O_WRONLY | O_CREAT | O_APPEND) : (O_WRONLY | O_CREAT | O_TRUNC)
        let fd = open(path, flags | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CassetteError.io("cannot open \(path) for writing: \(String(cString: strerror(errno)))") }
        self.fd = fd
        self.goodSize = Mutex(existing)
        var enc = CassetteEncoder(redactor: redactor, knownBlobs: known)
        if existing == 0 { enc.append(.header(header)) }
        self.encoder = Mutex(enc)
        (doorbell, bell) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        // Write the header at once so that even an immediately killed proxy leaves a valid file.
        flush()
    }

    deinit { close(fd) }

    /// Enqueues a record; never blocks. Returns false when the record was dropped.
    @discardableResult
    public func record(_ r: Record) -> Bool {
        let ok = state.withLock { s -> Bool in
            guard !s.finished, s.queue.count < maxQueue else { s.stats.dropped += 1; return false }
            s.queue.append(r)
            s.stats.queued = s.queue.count
            return true
        }
        if ok { bell.yield() } else { logger.error("cassette queue full or closed: record dropped", metadata: ["path": "\(path)"]) }
        return ok
    }

    /// Current counters.
    public var stats: RecorderStats { state.withLock { $0.stats } }

    /// Whether the last write failed (used by `--fail-closed`).
    public var isFailing: Bool { state.withLock { $0.stats.failing != nil } }

    /// Writes queued records until ``finish()`` is called, then writes the rest.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [bell, flushInterval] in
                // The periodic tick: guarantees a flush at least every interval.
                while !Task.isCancelled {
                    try? await Task.sleep(for: flushInterval)
                    bell.yield()
                }
            }
            for await _ in doorbell {
                flush()
                if state.withLock({ $0.finished }) { break }
            }
            group.cancelAll()
        }
        flush()
    }

    /// Stops accepting records; ``run()`` writes what is queued and returns.
    public func finish() {
        state.withLock { $0.finished = true }
        bell.yield()
        bell.finish()
    }

    /// Drains the queue and writes one frame (or several, for very large batches). Safe to call from any thread.
    public func flush() {
        encoder.withLock { enc in
            // Taken under the encoder lock, so that concurrent flushes keep queue order.
            let batch = state.withLock { s -> [Record] in
                let q = s.queue
                s.queue.removeAll(keepingCapacity: true)
                s.stats.queued = 0
                return q
            }
            for var r in batch {
                prepare?(&r)
                enc.append(r)
                if enc.pending.count >= 4 << 20 { writeFrame(&enc, records: enc.pendingRecords) }
            }
            writeFrame(&enc, records: enc.pendingRecords)
            if enc.pendingRecords == 0, batch.isEmpty, state.withLock({ $0.stats.failing != nil }) { probe(&enc) }
        }
    }

    /// While the file is failing and nothing is queued, writes an empty LZ4 frame (readers
    /// skip it) to find out whether the disk takes bytes again, so that `--fail-closed`
    /// recovers on its own once space is freed.
    private func probe(_ enc: inout CassetteEncoder) {
        let frame = enc.compressor.compressFrame([])
        let n = frame.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }  // frame is a non-empty header.
        if n == frame.count {
            goodSize.withLock { $0 += frame.count }
            state.withLock { $0.stats.failing = nil }
            logger.warning("cassette writable again", metadata: ["path": "\(path)"])
        } else {
            let good = goodSize.withLock { $0 }
            _ = ftruncate(fd, off_t(good))
            _ = lseek(fd, off_t(good), SEEK_SET)
        }
    }

    private func writeFrame(_ enc: inout CassetteEncoder, records: Int) {
        let raw = enc.pending.count
        guard let frame = enc.takeFrame() else { return }
        var off = 0
        var failure: String?
        frame.withUnsafeBytes { buf in
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)  // frame is non-empty.
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    break
                }
                off += n
            }
        }
        if let failure {
            // Roll back a partial frame so that the file stays readable up to its last good frame.
            let good = goodSize.withLock { $0 }
            _ = ftruncate(fd, off_t(good))
            _ = lseek(fd, off_t(good), SEEK_SET)  // or the next frame would land past a hole
            let lost = state.withLock { s -> Int in
                s.stats.dropped += records
                s.stats.failing = failure
                return s.stats.dropped
            }
            logger.critical("cassette write failed: records lost", metadata: [
                "path": "\(path)", "error": "\(failure)", "lost_in_frame": "\(records)", "lost_total": "\(lost)",
            ])
            return
        }
        goodSize.withLock { $0 += frame.count }
        state.withLock { s in
            s.stats.written += records
            s.stats.frames += 1
            s.stats.bytes += frame.count
            s.stats.rawBytes += raw
            s.stats.failing = nil
        }
    }
}
