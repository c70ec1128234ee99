/// Reads cassette bytes incrementally: LZ4 frames and blocks, then JSON Lines, then records.
///
/// Feed it the file in any slicing. It calls back with each record as soon as the block
/// that holds it has been decoded and has passed its checksum, so a truncated or corrupt
/// block costs only what follows it. In ``Mode/expanded`` mode blob records are absorbed and
/// request bodies come back whole; in ``Mode/raw`` mode everything comes back as stored.
public final class CassetteDecoder {
    /// How records are returned.
    public enum Mode: Sendable {
        /// Blob references are resolved and blob records hidden.
        case expanded
        /// Records as stored.
        case raw
    }

    /// One decoded line.
    public struct Line {
        /// The record's JSON (expanded in expanded mode).
        public let json: JSON
        /// 1-based record number among all stored lines (blobs included).
        public let number: Int
        /// Byte offset of the frame holding it.
        public let frameOffset: Int
    }

    /// One decoded record: the record, or why its line does not make one.
    public struct RecordLine {
        /// The record, or the schema error its line gave.
        public let result: Result<Record, CassetteError>
        /// 1-based record number among all stored lines (blobs included).
        public let number: Int
        /// Byte offset of the frame holding it.
        public let frameOffset: Int
    }

    let mode: Mode
    let frames = LZ4FrameDecoder()
    var magic: [UInt8] = []
    var carry: [UInt8] = []
    var blobs: [BlobName: JSON] = [:]
    var lists = ContentDedup.ListTable()
    /// The fast path's parser, reused from line to line.
    var scanner = JSONParser(UnsafeRawBufferPointer(start: nil, count: 0))
    var currentFrame = -1
    /// Keeps the raw content of the frame being read when it is not ended yet (for tail repair).
    public var keepOpenFrameContent = false
    /// The raw content of the last frame read, while that frame has no end mark.
    public private(set) var openFrameContent: [UInt8] = []
    /// Exchange records ``feedRecords(_:onRecord:)`` read without a JSON tree.
    public private(set) var directExchanges = 0
    /// Lines decoded so far (blobs included).
    public private(set) var lineCount = 0
    /// Decompressed bytes decoded.
    public private(set) var rawBytes = 0
    /// The header, once seen.
    public private(set) var header: CassetteHeader?
    /// Blob names seen.
    public var blobNames: [String] { blobs.keys.map(\.text) }
    /// Frames begun.
    public private(set) var frameCount = 0
    /// Whether the input ended inside a frame that has no end mark (a writer still open or killed),
    /// with every complete block read.
    public var endsInOpenFrame: Bool { frames.inFrame && !frames.hasPartialPart }
    /// Where the unended last frame begins.
    public var openFrameOffset: Int { frames.frameStart }

    /// A decoder in the given mode.
    public init(mode: Mode = .expanded) { self.mode = mode }

    /// Decodes `bytes`, calling `onLine` for each record. Throws at the first bad block, line or
    /// reference; every record before it has already been delivered.
    public func feed(_ bytes: UnsafeRawBufferPointer, onLine: (Line) throws -> Void) throws {
        try feedContent(bytes) { line, frameOffset in
            try handle(try parseLine(line), frameOffset: frameOffset, onLine: onLine)
        }
    }

    /// Decodes `bytes` into records (expanded mode), calling `onRecord` for each one; blobs are
    /// absorbed. Exchange records are read straight into ``Exchange`` values, without the JSON
    /// tree; the result is the same as ``Record/init(json:)`` on the line ``feed(_:onLine:)``
    /// gives. Throws like ``feed(_:onLine:)``; a line that is JSON but not a valid record is
    /// delivered as a failed result.
    public func feedRecords(_ bytes: UnsafeRawBufferPointer, onRecord: (RecordLine) throws -> Void) throws {
        precondition(mode == .expanded, "records come from an expanding decoder")
        try feedContent(bytes) { line, frameOffset in
            // The writer puts the type first; other lines go straight to the tree path.
            if header != nil {
                if Self.begins(line, Self.exchangePrefix), let ex = try? ExchangeScanner.decode(line, parser: &scanner, blobs: blobs, lists: &lists) {
                    directExchanges += 1
                    return try onRecord(RecordLine(result: .success(.exchange(ex)), number: lineCount, frameOffset: frameOffset))
                }
                if Self.begins(line, Self.blobPrefix), (try? ExchangeScanner.absorbBlob(line, parser: &scanner, into: &blobs)) != nil { return }
            }
            try handle(try parseLine(line), frameOffset: frameOffset) { l in
                let r = Result { () throws(CassetteError) -> Record in try Record(json: l.json) }
                try onRecord(RecordLine(result: r, number: l.number, frameOffset: l.frameOffset))
            }
        }
    }

    static let exchangePrefix = Array(#"{"type":"exchange""#.utf8), blobPrefix = Array(#"{"type":"blob""#.utf8)

    @inline(__always) static func begins(_ line: UnsafeRawBufferPointer, _ prefix: [UInt8]) -> Bool {
        guard line.count >= prefix.count, let b = line.baseAddress else { return false }
        return prefix.withUnsafeBytes { memcmp(b, $0.baseAddress!, prefix.count) == 0 }  // Non-empty prefix.
    }

    func parseLine(_ line: UnsafeRawBufferPointer) throws -> JSON {
        do { return try JSON.parse(buffer: line) } catch { throw CassetteError.json(line: lineCount, reason: error.description) }
    }

    /// Decodes frames and splits their content into lines, calling `onLine` with each non-empty one.
    func feedContent(_ bytes: UnsafeRawBufferPointer, onLine: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        if frames.consumed == 0, magic.count < 4 {
            magic.append(contentsOf: bytes.prefix(4 - magic.count))
            if magic.count == 4, magic != [0x04, 0x22, 0x4D, 0x18] {
                throw CassetteError.notACassette("the file is not LZ4-compressed (no LZ4 frame magic number at byte 0)")
            }
        }
        do {
            try frames.feed(bytes) { content, frameOffset in
                if frameOffset != currentFrame {
                    currentFrame = frameOffset
                    frameCount += 1
                    openFrameContent.removeAll(keepingCapacity: true)
                }
                if keepOpenFrameContent { openFrameContent.append(contentsOf: content) }
                rawBytes += content.count
                try decodeContent(content, frameOffset: frameOffset, onLine: onLine)
            }
        } catch let e as LZ4FrameError {
            throw CassetteError.frame(offset: e.offset, reason: e.reason)
        }
        if frames.framesEnded > 0, !frames.inFrame { openFrameContent.removeAll(keepingCapacity: true) }
    }

    /// Convenience for byte arrays.
    public func feed(_ bytes: [UInt8], onLine: (Line) throws -> Void) throws {
        try bytes.withUnsafeBytes { try feed($0, onLine: onLine) }
    }

    /// Call at end of input: reports a part cut short, or an input with no records.
    public func finish() throws(CassetteError) {
        if frames.consumed == 0 { throw .notACassette("the file is empty") }
        if frames.consumed < 4 { throw .notACassette("the file is too short to be LZ4-compressed (\(frames.consumed) bytes)") }
        if frames.hasPartialPart {
            throw .frame(offset: frames.partStart, reason: "the file is truncated here (\(frames.consumed - frames.partStart) bytes of an incomplete LZ4 block or header follow)")
        }
        if !carry.isEmpty { throw .frame(offset: frames.frameStart, reason: "the last record is incomplete") }
        if header == nil { throw .notACassette("no header record") }
    }

    func decodeContent(_ content: UnsafeRawBufferPointer, frameOffset: Int, onLine: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        if carry.isEmpty { return try decodeLines(content, frameOffset: frameOffset, onLine: onLine) }
        // A record began in an earlier block: finish it from a joined copy.
        let data = carry + content
        carry.removeAll()
        try data.withUnsafeBytes { try decodeLines($0, frameOffset: frameOffset, onLine: onLine) }
    }

    func decodeLines(_ buf: UnsafeRawBufferPointer, frameOffset: Int, onLine: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        guard let base = buf.baseAddress else { return }
        var start = 0
        let n = buf.count
        while start < n {
            // memchr is much faster than a byte loop over long records.
            guard let p = memchr(base + start, 0x0A, n - start) else {
                carry = Array(buf[start..<n])  // A record continues in the next block.
                return
            }
            let end = base.distance(to: UnsafeRawPointer(p))
            lineCount += 1
            if end > start { try onLine(UnsafeRawBufferPointer(rebasing: buf[start..<end]), frameOffset) }
            start = end + 1
        }
    }

    func handle(_ json: JSON, frameOffset: Int, onLine: (Line) throws -> Void) throws {
        let type = json["type"]?.stringValue
        if header == nil {
            guard type == "header" else { throw CassetteError.notACassette("the first record is not a header") }
            header = try CassetteHeader(json: json)
        }
        if type == "blob" {
            let b = try Blob(json: json)
            blobs[BlobName(b.hash)] = b.value
            if mode == .expanded { return }
        }
        var out = json
        if type == "exchange", case .object(var o) = json, case .object(var rq)? = o["request"],
           case .object(let refs)? = rq["body_refs"], case .object(let stored)? = rq["body"] {
            let body = try ContentDedup.join(stored, refs: refs, table: blobs, lists: &lists)
            if mode == .expanded {
                rq["body"] = .object(body)
                rq["body_refs"] = nil
                o["request"] = .object(rq)
                out = .object(o)
            }
        }
        try onLine(Line(json: out, number: lineCount, frameOffset: frameOffset))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
