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
    private(set) var knownBlobs: Set<BlobName>
    /// Names of entry lists already written (for delta references).
    var knownLists: Set<String> = []
    /// Blob names of recently seen content, so resent history is not hashed again.
    var blobNames = BlobNameCache()
    /// Serialized records not yet flushed.
    public private(set) var pending: [UInt8] = []
    /// Records (headers, exchanges, messages; not blobs) not yet flushed.
    public private(set) var pendingRecords = 0
    /// Raw (decompressed) bytes produced so far.
    public private(set) var rawBytes = 0
    /// Compressed bytes produced so far.
    public private(set) var compressedBytes = 0
    let writer: LZ4FrameWriter
    /// Blob and list names added by records not yet flushed, and by the last flush.
    var stagedBlobs: [String] = [], stagedLists: [String] = []
    var lastFlushBlobs: [String] = [], lastFlushLists: [String] = []

    /// An encoder. `knownBlobs` lists blobs already in the file when appending to it.
    public init(redactor: Redactor = Redactor(), deduplicate: Bool = true, knownBlobs: Set<String> = [],
                maxFrameRawBytes: Int = 1 << 20) {
        self.redactor = redactor
        self.deduplicate = deduplicate
        self.knownBlobs = Set(knownBlobs.map(BlobName.init))
        self.maxFrameRawBytes = maxFrameRawBytes
        self.writer = LZ4FrameWriter()
    }

    /// Redacts, de-duplicates and serializes one record onto the pending buffer.
    /// The record is consumed, so that redaction changes a record the caller gave up in place.
    public func append(_ record: consuming Record) {
        switch consume record {
        case .exchange(var ex):
            // Entries an agent resends were redacted when first written; when the rules are
            // idempotent, entries equal to a remembered (redacted) list are clean and skipped.
            var prefixes: [String: (names: [String], ids: [String])] = [:]
            var clean: [String: Int] = [:]
            if deduplicate, redactor.skipsResentEntries, case .json(.object(let body), _) = ex.request.body {
                for key in ContentDedup.perElementKeys {
                    guard case .array(let items)? = body[key], !items.isEmpty else { continue }
                    let p = blobNames.knownPrefix(of: items)
                    prefixes[key] = p
                    clean[key] = p.names.count
                }
            }
            redactor.redact(&ex, cleanPrefix: clean)
            appendExchange(ex, prefixes: prefixes)
        case .message(var m):
            redactor.redact(&m)
            appendLine(Record.message(m).toJSON())
        case .header(var h):
            redactor.redact(&h)
            appendLine(Record.header(h).toJSON())
        case .blob(let b):
            appendLine(Record.blob(b).toJSON(), counts: false)
        }
    }

    private func appendExchange(_ ex: Exchange, prefixes: [String: (names: [String], ids: [String])]) {
        guard deduplicate, case .json(.object(let body), _) = ex.request.body else { appendExchangeLine(ex, nil); return }
        let (stored, refs, blobs) = ContentDedup.split(body, lists: &knownLists, added: &stagedLists, cache: &blobNames,
                                                       prefixes: prefixes)
        guard !refs.isEmpty else { appendExchangeLine(ex, nil); return }
        for b in blobs where knownBlobs.insert(BlobName(b.hash)).inserted {
            stagedBlobs.append(b.hash)
            appendLine(Record.blob(b).toJSON(), counts: false)
        }
        appendExchangeLine(ex, (stored, refs))
    }

    private func appendExchangeLine(_ ex: Exchange, _ stored: (body: JSONObject, refs: JSONObject)?) {
        let before = pending.count
        ex.writeRecord(into: &pending, storedRequestBody: stored)
        pending.append(0x0A)
        rawBytes += pending.count - before
        pendingRecords += 1
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
            out = writer.flush(pending)
            pending.removeAll(keepingCapacity: true)
            pendingRecords = 0
        }
        lastFlushBlobs = stagedBlobs; stagedBlobs.removeAll()
        lastFlushLists = stagedLists; stagedLists.removeAll()
        if endFrame || writer.openRawBytes >= maxFrameRawBytes { out += writer.end() }
        compressedBytes += out.count
        return out
    }

    /// Whether a frame is open (flushed blocks without an end mark yet).
    public var frameIsOpen: Bool { writer.isOpen }

    /// Takes back the last flush after its bytes failed to reach disk (the caller cuts the file
    /// back to where that flush began): the content it introduced is forgotten, so later records
    /// never refer to it, and the open frame is given up, since its compression state ran ahead
    /// of the file. The next flush begins a new frame right after the earlier blocks; readers
    /// accept a frame that ends without an end mark when a new frame follows.
    public func rollbackLastFlush() {
        for b in lastFlushBlobs { knownBlobs.remove(BlobName(b)) }
        for l in lastFlushLists { knownLists.remove(l) }
        lastFlushBlobs.removeAll(); lastFlushLists.removeAll()
        blobNames.forgetLists()  // Their entries' blobs may have been in the lost flush.
        writer.abandon()
    }
}
