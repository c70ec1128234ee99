/// Reads cassette bytes incrementally: LZ4 frames, then JSON Lines, then records.
///
/// Feed it the file in any slicing. It calls back with each record as soon as the frame
/// that holds it has ended and passed its checksum, so a truncated or corrupt frame costs
/// only its own records. In ``Mode/expanded`` mode blob records are absorbed and request
/// bodies come back whole; in ``Mode/raw`` mode everything comes back as stored.
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

    let mode: Mode
    let frames = LZ4FrameDecoder()
    var magic: [UInt8] = []
    var blobs: [String: JSON] = [:]
    /// Lines decoded so far (blobs included).
    public private(set) var lineCount = 0
    /// Complete frames decoded.
    public private(set) var frameCount = 0
    /// Decompressed bytes decoded.
    public private(set) var rawBytes = 0
    /// The header, once seen.
    public private(set) var header: CassetteHeader?
    /// Blob names seen.
    public var blobNames: Dictionary<String, JSON>.Keys { blobs.keys }

    /// A decoder in the given mode.
    public init(mode: Mode = .expanded) { self.mode = mode }

    /// Decodes `bytes`, calling `onLine` for each record. Throws at the first bad frame, line or reference;
    /// every record before it has already been delivered.
    public func feed(_ bytes: UnsafeRawBufferPointer, onLine: (Line) throws -> Void) throws {
        if frames.consumed == 0, frameCount == 0, !frames.inFrame {
            magic.append(contentsOf: bytes.prefix(4 - min(4, magic.count)))
            if magic.count == 4, magic != [0x04, 0x22, 0x4D, 0x18] {
                throw CassetteError.notACassette("the file is not LZ4-compressed (no LZ4 frame magic number at byte 0)")
            }
        }
        do {
            try frames.feed(bytes) { content, offset in
                frameCount += 1
                rawBytes += content.count
                try decodeFrame(content, offset: offset, onLine: onLine)
            }
        } catch let e as LZ4FrameError {
            if e.offset == 0 && frameCount == 0 && e.reason.contains("magic") {
                throw CassetteError.notACassette("the file does not start with an LZ4 frame (\(e.reason))")
            }
            throw CassetteError.frame(offset: e.offset, reason: e.reason)
        }
    }

    /// Convenience for byte arrays.
    public func feed(_ bytes: [UInt8], onLine: (Line) throws -> Void) throws {
        try bytes.withUnsafeBytes { try feed($0, onLine: onLine) }
    }

    /// Call at end of input: reports a final frame cut short, or an input with no records.
    public func finish() throws(CassetteError) {
        if frameCount == 0, magic.count < 4, !magic.isEmpty {
            throw .notACassette("the file is too short to be LZ4-compressed (\(magic.count) bytes)")
        }
        if frames.inFrame {
            throw .frame(offset: frames.frameStart, reason: "the last frame is truncated (\(frames.consumed - frames.frameStart) bytes of it present)")
        }
        if frameCount == 0 && frames.consumed == 0 { throw .notACassette("the file is empty") }
        if header == nil { throw .notACassette("no header record") }
    }

    func decodeFrame(_ content: [UInt8], offset: Int, onLine: (Line) throws -> Void) throws {
        // An empty frame holds no records (a writer may probe a failing disk with one).
        if content.isEmpty { return }
        guard content.last == 0x0A else {
            throw CassetteError.frame(offset: offset, reason: "frame does not end with a whole record")
        }
        try content.withUnsafeBytes { buf in
            var start = 0
            let n = buf.count
            while start < n {
                var end = start
                // memchr is much faster than a byte loop over long records.
                if let p = memchr(buf.baseAddress! + start, 0x0A, n - start) {  // buf is non-empty here.
                    end = buf.baseAddress!.distance(to: UnsafeRawPointer(p))
                } else {
                    end = n
                }
                lineCount += 1
                if end > start {
                    let json: JSON
                    do { json = try JSON.parse(buffer: UnsafeRawBufferPointer(rebasing: buf[start..<end])) } catch {
                        throw CassetteError.json(line: lineCount, reason: (error as? JSONParseError)?.description ?? "\(error)")
                    }
                    try handle(json, frameOffset: offset, onLine: onLine)
                }
                start = end + 1
            }
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
            blobs[b.hash] = b.value
            if mode == .expanded { return }
        }
        var out = json
        if mode == .expanded, type == "exchange", case .object(var o) = json, case .object(var rq)? = o["request"],
           case .object(let refs)? = rq["body_refs"], case .object(let stored)? = rq["body"] {
            rq["body"] = .object(try ContentDedup.join(stored, refs: refs, table: blobs))
            rq["body_refs"] = nil
            o["request"] = .object(rq)
            out = .object(o)
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
