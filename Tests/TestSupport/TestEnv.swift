import Foundation

/// Where things are when tests run: the repository, the built `tapedeck` binary, the interop Python.
public enum TestEnv {
    /// The repository root (three levels above this file).
    public static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The `tapedeck` binary: `$TAPEDECK_BIN`, else `.build/debug/tapedeck`.
    public static var tapedeck: String {
        ProcessInfo.processInfo.environment["TAPEDECK_BIN"] ?? repoRoot + "/.build/debug/tapedeck"
    }

    /// The Python with the agent SDKs: `$TAPEDECK_PYTHON`, else `.venv/bin/python` (made by `make pydeps`).
    public static var python: String {
        ProcessInfo.processInfo.environment["TAPEDECK_PYTHON"] ?? repoRoot + "/.venv/bin/python"
    }

    /// Whether the interop Python environment exists.
    public static var hasPython: Bool { FileManager.default.isExecutableFile(atPath: python) }

    /// A path under the repository.
    public static func path(_ rel: String) -> String { repoRoot + "/" + rel }
}

/// A temporary directory removed when the value is released.
public final class TempDir: @unchecked Sendable {  // Immutable after init; deinit only removes the folder.
    /// The directory path.
    public let path: String

    /// Creates a fresh directory under the system temp folder.
    public init(_ prefix: String = "tapedeck-test") {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))").path
        try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        path = p
    }

    /// A file path inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A free TCP port on 127.0.0.1 (bound and released; a tiny race is possible but harmless in tests).
public func freeLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}
