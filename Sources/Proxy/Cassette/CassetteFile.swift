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
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CassetteError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { throw CassetteError.io("\(path) is a directory, not a cassette") }
        var report = CassetteReadReport()
        let decoder = CassetteDecoder(mode: mode)
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
                try buf.withUnsafeBytes { try decoder.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n]), onLine: onLine) }
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
        report.header = decoder.header
        report.blobNames = Set(decoder.blobNames)
        return report
    }

    /// Reads every record of a cassette into memory (expanded), with the report.
    public static func readAll(path: String) throws -> (records: [Record], report: CassetteReadReport) {
        var records: [Record] = []
        var firstSchemaError: CassetteError?
        var report = try read(path: path) { line in
            do { records.append(try Record(json: line.json)) } catch {
                if firstSchemaError == nil { firstSchemaError = error as? CassetteError }
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
