import Cassette

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What reading a cassette file found.
public struct CassetteReadReport: Sendable {
    /// Bytes on disk.
    public var fileBytes = 0
    /// Decompressed bytes in complete frames.
    public var rawBytes = 0
    /// Complete frames.
    public var frames = 0
    /// Stored lines, blobs included.
    public var lines = 0
    /// The header.
    public var header: CassetteHeader?
    /// Blob names in the file.
    public var blobNames: Set<String> = []
    /// True when the last frame has no end mark: its writer is still running or was killed.
    /// Every complete block was read; this is not an error.
    public var endsInOpenFrame = false
    /// A problem that stopped reading early (truncated or corrupt frame, bad record); everything
    /// before it was delivered.
    public var issue: CassetteError?
}

/// Reads and opens cassette files. File access lives here, outside the pure Cassette module.
public enum CassetteFile {
    /// Streams a cassette's records to `onLine`, reading the file a megabyte at a time.
    ///
    /// Throws only when the file cannot be used at all (missing, not a cassette, unknown
    /// version). A truncated or corrupt tail, or a bad record, is returned in the report's
    /// `issue` after every earlier record has been delivered.
    @discardableResult
    public static func read(path: String, mode: CassetteDecoder.Mode = .expanded,
                            onLine: (CassetteDecoder.Line) throws -> Void) throws -> CassetteReadReport {
        try read(path: path, mode: mode, decoder: CassetteDecoder(mode: mode), onLine: onLine)
    }

    static func read(path: String, mode: CassetteDecoder.Mode, decoder: CassetteDecoder,
                     onLine: (CassetteDecoder.Line) throws -> Void) throws -> CassetteReadReport {
        try read(path: path, decoder: decoder) { bytes in try decoder.feed(bytes, onLine: onLine) }
    }

    /// Streams a cassette's records (expanded) to `onRecord`, as ``read(path:mode:onLine:)``
    /// streams lines; exchange records are decoded without building their JSON tree.
    @discardableResult
    public static func readRecords(path: String, onRecord: (CassetteDecoder.RecordLine) throws -> Void) throws -> CassetteReadReport {
        let decoder = CassetteDecoder(mode: .expanded)
        return try read(path: path, decoder: decoder) { bytes in try decoder.feedRecords(bytes, onRecord: onRecord) }
    }

    static func read(path: String, decoder: CassetteDecoder, feed: (UnsafeRawBufferPointer) throws -> Void) throws -> CassetteReadReport {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CassetteError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { throw CassetteError.io("\(path) is a directory, not a cassette") }
        var report = CassetteReadReport()
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        do {
            while true {
                let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }  // POSIX read(2)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CassetteError.io("cannot read \(path): \(String(cString: strerror(errno)))")
                }
                if n == 0 { break }
                report.fileBytes += n
                try buf.withUnsafeBytes { try feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
            try decoder.finish()
        } catch let e as CassetteError {
            if e.isFatal { throw e }
            if decoder.header == nil, e.offset == 0 { throw CassetteError.notACassette("\(e)") }
            report.issue = e
        }
        report.rawBytes = decoder.rawBytes
        report.frames = decoder.frameCount
        report.lines = decoder.lineCount
        report.endsInOpenFrame = report.issue == nil && decoder.endsInOpenFrame
        report.header = decoder.header
        report.blobNames = Set(decoder.blobNames)
        return report
    }

    /// Makes a cassette whose last frame was left open (a killed writer) or damaged safe to
    /// append to: the last frame's readable records are rewritten as one complete frame and
    /// anything unreadable after them is cut. Returns what it did, or nil if nothing was needed.
    /// Throws when the file cannot be read at all.
    public static func repairTail(path: String) throws -> String? {
        let decoder = CassetteDecoder(mode: .raw)
        decoder.keepOpenFrameContent = true
        let report = try read(path: path, mode: .raw, decoder: decoder) { _ in }
        guard report.issue != nil || report.endsInOpenFrame else { return nil }
        var content = decoder.openFrameContent
        if let nl = content.lastIndex(of: 0x0A) { content.removeSubrange((nl + 1)...) } else { content.removeAll() }
        let start = decoder.openFrameOffset
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw CassetteError.io("cannot open \(path) to repair it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard ftruncate(fd, off_t(start)) == 0, lseek(fd, 0, SEEK_END) >= 0 else {
            throw CassetteError.io("cannot repair \(path): \(String(cString: strerror(errno)))")
        }
        if !content.isEmpty {
            let frame = LZ4FrameCompressor().compressFrame(content)
            let n = frame.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n == frame.count else { throw CassetteError.io("cannot repair \(path): \(String(cString: strerror(errno)))") }
        }
        let dropped = report.fileBytes - start
        return "rewrote the last frame at byte \(start) (\(content.count) raw bytes kept, \(dropped) bytes replaced)"
            + (report.issue.map { "; it was damaged: \($0)" } ?? "; its writer had not closed it")
    }

    /// Reads every record of a cassette into memory (expanded), with the report.
    public static func readAll(path: String) throws -> (records: [Record], report: CassetteReadReport) {
        var records: [Record] = []
        var firstSchemaError: CassetteError?
        var report = try readRecords(path: path) { line in
            switch line.result {
            case .success(let r): records.append(r)
            case .failure(let error):
                if firstSchemaError == nil { firstSchemaError = error }
                throw error
            }
        }
        if report.issue == nil, let e = firstSchemaError { report.issue = e }
        return (records, report)
    }

    /// The exchanges of a cassette, in file order; a damaged tail is ignored (see the report).
    public static func exchanges(path: String) throws -> (exchanges: [Exchange], report: CassetteReadReport) {
        let (records, report) = try readAll(path: path)
        return (records.compactMap { if case .exchange(let e) = $0 { return e }; return nil }, report)
    }
}
