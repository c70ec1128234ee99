import Cassette
import Foundation
import Proxy

/// Writes whole cassettes and text files for the conversion commands.
enum CassetteWriting {
    /// A header for a cassette written now by this tool.
    static func newHeader(meta: JSONObject = JSONObject()) -> CassetteHeader {
        CassetteHeader(tool: "tapedeck \(Tapedeck.version)", createdUnixNs: HostFacts.unixNs(), host: HostFacts.current(), meta: meta)
    }

    /// Writes `records` after `header` into `path` atomically (a temporary file renamed into place).
    static func write(path: String, header: CassetteHeader, records: [Record], redactor: Redactor = Redactor()) throws {
        let enc = CassetteEncoder(redactor: redactor)
        enc.append(.header(header))
        var data: [UInt8] = []
        for r in records {
            if case .blob = r { continue }
            enc.append(r)
            data += enc.flush()  // A block per record, as the recorder writes: damage costs one record.
        }
        data += enc.flush(endFrame: true)
        try writeBytes(path: path, data)
    }

    /// Writes text to a file atomically.
    static func writeText(path: String, _ text: String) throws {
        try writeBytes(path: path, Array(text.utf8))
    }

    static func writeBytes(path: String, _ bytes: [UInt8]) throws {
        let tmp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
            throw CLIError.input("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        if rename(tmp, path) != 0 {
            let e = String(cString: strerror(errno))
            unlink(tmp)
            throw CLIError.input("cannot write \(path): \(e)")
        }
    }
}
