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
/// writes one LZ4 frame per drain, so a frame is flushed as soon as an exchange completes
/// (within the `coalesce` wait that lets exchanges completing together share a drain). A
/// periodic tick flushes at least every `flushInterval`.
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
    /// Bytes of the file known to be good: the end of the last block written whole.
    let offsets: Mutex<Int>
    let doorbell: AsyncStream<Void>
    let bell: AsyncStream<Void>.Continuation
    let flushInterval: Duration
    let coalesce: Duration
    let maxQueue: Int
    let logger: Logger
    let prepare: (@Sendable (inout Record) -> Void)?

    /// Opens (or creates) `path`. A new or empty file gets `header`; with `append`, an
    /// existing cassette is continued and its blobs are reused.
    ///
    /// `prepare`, when given, runs on the writer for every record just before it is encoded,
    /// in queue order: the place for work too heavy for a request path (deriving facts,
    /// linking trajectories).
    ///
    /// `coalesce` is how long the writer waits, once woken by a completed exchange, before it
    /// drains the queue: exchanges completing in that moment share one wake-up and one flush.
    /// Under load this saves a thread wake-up (a futex call on the event loop, a context
    /// switch on the writer) per exchange; an idle proxy still flushes each exchange within it.
    public init(path: String, header: CassetteHeader, redactor: Redactor = Redactor(), append: Bool = false,
                flushInterval: Duration = .milliseconds(250), coalesce: Duration = .milliseconds(5),
                maxQueue: Int = 100_000, logger: Logger = Logger(label: "tapedeck.recorder"),
                prepare: (@Sendable (inout Record) -> Void)? = nil) throws {
        self.path = path
        self.prepare = prepare
        self.flushInterval = flushInterval
        self.coalesce = coalesce
        self.maxQueue = maxQueue
        self.logger = logger
        var known: Set<String> = []
        var existing = 0
        if append, access(path, F_OK) == 0 {
            if let repair = try CassetteFile.repairTail(path: path) {
                logger.warning("cassette tail repaired before appending", metadata: ["path": "\(path)", "repair": "\(repair)"])
            }
            let report = try CassetteFile.read(path: path, mode: .raw) { _ in }
            if let issue = report.issue { throw CassetteError.io("cannot append to \(path): \(issue)") }
            known = report.blobNames
            existing = report.fileBytes
        }
        let flags = append ? (O_WRONLY | O_CREAT | O_APPEND) : (O_WRONLY | O_CREAT | O_TRUNC)
        let fd = open(path, flags | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CassetteError.io("cannot open \(path) for writing: \(String(cString: strerror(errno)))") }
        self.fd = fd
        self.offsets = Mutex(existing)
        let enc = CassetteEncoder(redactor: redactor, knownBlobs: known)
        if existing == 0 { enc.append(.header(header)) }
        self.encoder = Mutex(enc)
        (doorbell, bell) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        // Write the header at once, in a frame of its own, so that even an immediately killed
        // proxy leaves a valid file and a later failed write (which drops the open frame)
        // never takes the header with it.
        flush(endFrame: true)
    }

    deinit { close(fd) }

    /// Enqueues a record; never blocks. Returns false when the record was dropped.
    @discardableResult
    public func record(_ r: Record) -> Bool {
        let (ok, first) = state.withLock { s -> (Bool, Bool) in
            guard !s.finished, s.queue.count < maxQueue else { s.stats.dropped += 1; return (false, false) }
            s.queue.append(r)
            s.stats.queued = s.queue.count
            return (true, s.queue.count == 1)
        }
        // Only the record that makes the queue non-empty rings: a flush takes the whole queue,
        // so later ones are written by the flush that bell starts (or one already running).
        if first { bell.yield() } else if !ok { logger.error("cassette queue full or closed: record dropped", metadata: ["path": "\(path)"]) }
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
                if coalesce > .zero, !state.withLock({ $0.finished }) { try? await Task.sleep(for: coalesce) }
                flush()
                if state.withLock({ $0.finished }) { break }
            }
            group.cancelAll()
        }
        flush(endFrame: true)
    }

    /// Stops accepting records; ``run()`` writes what is queued and returns.
    public func finish() {
        state.withLock { $0.finished = true }
        bell.yield()
        bell.finish()
    }

    /// Drains the queue and writes what it held as whole LZ4 blocks. Safe to call from any thread.
    /// With `endFrame`, the open frame is closed too (done at shutdown).
    public func flush(endFrame: Bool = false) {
        encoder.withLock { enc in
            // Taken under the encoder lock, so that concurrent flushes keep queue order.
            var batch = state.withLock { s -> [Record] in
                let q = s.queue
                s.queue.removeAll(keepingCapacity: true)
                s.stats.queued = 0
                return q
            }
            // Records are moved out of the batch, not copied: copying an exchange retains
            // every field, and that was a fifth of this thread's time on small requests.
            for i in batch.indices {
                prepare?(&batch[i])
                enc.append(Record.take(&batch[i]))
                if enc.pending.count >= 4 << 20 { writeBlocks(enc, endFrame: false) }
            }
            writeBlocks(enc, endFrame: endFrame)
            if batch.isEmpty, !enc.frameIsOpen, state.withLock({ $0.stats.failing != nil }) { probe(enc) }
        }
    }

    /// While the file is failing, no frame is open and nothing is queued, writes an empty LZ4
    /// frame (readers skip it) to find out whether the disk takes bytes again, so that
    /// `--fail-closed` recovers on its own once space is freed.
    private func probe(_ enc: CassetteEncoder) {
        let frame = LZ4FrameCompressor().compressFrame([])
        let n = frame.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }  // frame is a non-empty header.
        if n == frame.count {
            offsets.withLock { $0 += frame.count }
            state.withLock { $0.stats.failing = nil }
            logger.warning("cassette writable again", metadata: ["path": "\(path)"])
        } else {
            let good = offsets.withLock { $0 }
            _ = ftruncate(fd, off_t(good))
            _ = lseek(fd, off_t(good), SEEK_SET)
        }
    }

    private func writeBlocks(_ enc: CassetteEncoder, endFrame: Bool) {
        let records = enc.pendingRecords
        let raw = enc.pending.count
        let frame = enc.flush(endFrame: endFrame)
        guard !frame.isEmpty else { return }
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
            // Cut the file back to the end of the last good block: every record written before
            // stays readable; only this flush's records are lost.
            let good = offsets.withLock { $0 }
            _ = ftruncate(fd, off_t(good))
            _ = lseek(fd, off_t(good), SEEK_SET)  // or the next frame would land past a hole
            enc.rollbackLastFlush()
            let lostNow = records
            let lost = state.withLock { s -> Int in
                s.stats.dropped += lostNow
                s.stats.failing = failure
                return s.stats.dropped
            }
            logger.critical("cassette write failed: records lost", metadata: [
                "path": "\(path)", "error": "\(failure)", "lost_now": "\(lostNow)", "lost_total": "\(lost)",
            ])
            return
        }
        offsets.withLock { $0 += frame.count }
        state.withLock { s in
            s.stats.written += records
            s.stats.frames += 1
            s.stats.bytes += frame.count
            s.stats.rawBytes += raw
            s.stats.failing = nil
        }
    }
}
