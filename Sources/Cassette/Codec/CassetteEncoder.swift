/// Turns records into cassette bytes: redaction, content de-duplication, JSON Lines, LZ4.
///
/// Single-threaded: a recorder service owns one encoder, appends records as they arrive and
/// calls ``flush(endFrame:)`` whenever it writes. Each flush emits the pending records as whole
/// LZ4 blocks of the open frame, so every flushed record is readable at once, while later
/// blocks still compress against earlier ones. Frames end when they reach
/// ``maxFrameRawBytes`` or when asked, and always hold whole records.
public final class CassetteEncoder {
    /// The redaction rules applied to every exchange and message.
    public var redactor: Redactor
    /// Whether request content is stored once by hash.
    public var deduplicate: Bool
    /// A frame is ended once it holds this many raw bytes.
    public var maxFrameRawBytes: Int
    /// Blob names already written to this cassette.
    public private(set) var knownBlobs: Set<String>
    /// Names of entry lists already written (for delta references).
    var knownLists: Set<String> = []
    /// Serialized records not yet flushed.
    public private(set) var pending: [UInt8] = []
    /// Records (headers, exchanges, messages; not blobs) not yet flushed.
    public private(set) var pendingRecords = 0
    /// Records flushed into the open frame.
    public private(set) var openFrameRecords = 0
    /// Raw (decompressed) bytes produced so far.
    public private(set) var rawBytes = 0
    /// Compressed bytes produced so far.
    public private(set) var compressedBytes = 0
    let writer: LZ4FrameWriter
    var frameStartState: DedupState

    /// An encoder. `knownBlobs` lists blobs already in the file when appending to it.
    public init(redactor: Redactor = Redactor(), deduplicate: Bool = true, knownBlobs: Set<String> = [],
                maxFrameRawBytes: Int = 1 << 20, level: Int32 = 0) {
        self.redactor = redactor
        self.deduplicate = deduplicate
        self.knownBlobs = knownBlobs
        self.maxFrameRawBytes = maxFrameRawBytes
        self.writer = LZ4FrameWriter(level: level)
        self.frameStartState = DedupState(blobs: knownBlobs, lists: [])
    }

    /// What the encoder remembers about content already written: blob and list names.
    public struct DedupState: Sendable {
        var blobs: Set<String>
        var lists: Set<String>
    }

    /// Redacts, de-duplicates and serializes one record onto the pending buffer.
    public func append(_ record: Record) {
        switch record {
        case .exchange(var ex):
            redactor.redact(&ex)
            appendExchange(ex)
        case .message(var m):
            redactor.redact(&m)
            appendLine(Record.message(m).toJSON())
        case .header:
            appendLine(record.toJSON())
        case .blob:
            appendLine(record.toJSON(), counts: false)
        }
    }

    private func appendExchange(_ ex: Exchange) {
        var json = ex.toJSON()
        if deduplicate, case .json(.object(let body), _) = ex.request.body {
            let (stored, refs, blobs) = ContentDedup.split(body, lists: &knownLists)
            if !refs.isEmpty {
                for b in blobs where !knownBlobs.contains(b.hash) {
                    knownBlobs.insert(b.hash)
                    appendLine(Record.blob(b).toJSON(), counts: false)
                }
                if case .object(var o) = json, case .object(var rq)? = o["request"] {
                    rq["body"] = .object(stored)
                    rq["body_refs"] = .object(refs)
                    o["request"] = .object(rq)
                    json = .object(o)
                }
            }
        }
        appendLine(json)
    }

    private func appendLine(_ json: JSON, counts: Bool = true) {
        let before = pending.count
        json.write(into: &pending)
        pending.append(0x0A)
        rawBytes += pending.count - before
        if counts { pendingRecords += 1 }
    }

    /// Compresses everything pending as whole blocks of the open frame (beginning one if
    /// needed) and returns the bytes to append to the file. Ends the frame when asked or
    /// when it has grown past ``maxFrameRawBytes``. Empty when there is nothing to write.
    public func flush(endFrame: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        if !pending.isEmpty {
            if !writer.isOpen { frameStartState = DedupState(blobs: knownBlobs, lists: knownLists) }
            out = writer.flush(pending)
            openFrameRecords += pendingRecords
            pending.removeAll(keepingCapacity: true)
            pendingRecords = 0
        }
        if endFrame || writer.openRawBytes >= maxFrameRawBytes {
            out += writer.end()
            openFrameRecords = 0
        }
        compressedBytes += out.count
        return out
    }

    /// Whether a frame is open (flushed blocks without an end mark yet).
    public var frameIsOpen: Bool { writer.isOpen }

    /// Drops the open (or just ended) frame and everything pending after its bytes failed to
    /// reach disk: the caller truncates the file to where the frame began. De-duplication memory
    /// goes back to that point too, so later records never refer to lost content. Returns the
    /// records of the open frame and pending that are dropped.
    @discardableResult
    public func abandonOpenFrame() -> Int {
        let lost = openFrameRecords + pendingRecords
        writer.abandon()
        pending.removeAll(keepingCapacity: true)
        pendingRecords = 0
        openFrameRecords = 0
        knownBlobs = frameStartState.blobs
        knownLists = frameStartState.lists
        return lost
    }
}
