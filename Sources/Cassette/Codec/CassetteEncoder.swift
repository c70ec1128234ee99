/// Turns records into cassette bytes: redaction, content de-duplication, JSON Lines, LZ4 frames.
///
/// Pure and single-threaded: a recorder service owns one encoder, appends records as they
/// arrive and calls ``takeFrame()`` whenever it flushes. Every frame holds whole records.
public struct CassetteEncoder: Sendable {
    /// The redaction rules applied to every exchange and message.
    public var redactor: Redactor
    /// Whether request content is stored once by hash.
    public var deduplicate: Bool
    /// The compressor.
    public var compressor: LZ4FrameCompressor
    /// Blob names already written to this cassette.
    public private(set) var knownBlobs: Set<String>
    /// Serialized records not yet framed.
    public private(set) var pending: [UInt8] = []
    /// Records not yet framed.
    public private(set) var pendingRecords = 0
    /// Raw (decompressed) bytes produced so far, framed or not.
    public private(set) var rawBytes = 0
    /// Compressed bytes produced by ``takeFrame()`` so far.
    public private(set) var compressedBytes = 0

    /// An encoder. `knownBlobs` lists blobs already in the file when appending to it.
    public init(redactor: Redactor = Redactor(), deduplicate: Bool = true, knownBlobs: Set<String> = [],
                compressor: LZ4FrameCompressor = LZ4FrameCompressor()) {
        self.redactor = redactor
        self.deduplicate = deduplicate
        self.knownBlobs = knownBlobs
        self.compressor = compressor
    }

    /// Redacts, de-duplicates and serializes one record onto the pending buffer.
    public mutating func append(_ record: Record) {
        switch record {
        case .exchange(var ex):
            redactor.redact(&ex)
            appendExchange(ex)
        case .message(var m):
            redactor.redact(&m)
            appendLine(Record.message(m).toJSON())
        case .header, .blob:
            appendLine(record.toJSON())
        }
    }

    private mutating func appendExchange(_ ex: Exchange) {
        var json = ex.toJSON()
        if deduplicate, case .json(.object(let body), _) = ex.request.body {
            let (stored, refs, blobs) = ContentDedup.split(body)
            if !refs.isEmpty {
                for b in blobs where !knownBlobs.contains(b.hash) {
                    knownBlobs.insert(b.hash)
                    appendLine(Record.blob(b).toJSON())
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

    private mutating func appendLine(_ json: JSON) {
        let before = pending.count
        json.write(into: &pending)
        pending.append(0x0A)
        rawBytes += pending.count - before
        pendingRecords += 1
    }

    /// Compresses everything pending into one frame; `nil` when nothing is pending.
    public mutating func takeFrame() -> [UInt8]? {
        guard !pending.isEmpty else { return nil }
        let frame = compressor.compressFrame(pending)
        pending.removeAll(keepingCapacity: true)
        pendingRecords = 0
        compressedBytes += frame.count
        return frame
    }
}
