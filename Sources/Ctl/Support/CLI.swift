import ArgumentParser
import Cassette
import Foundation

/// A command-line failure with its exit code and a one-line message.
struct CLIError: Error, CustomStringConvertible {
    /// The exit code: 1 failure, 2 usage or input error, 3 replay divergence.
    let code: Int32
    let message: String
    var description: String { message }

    /// A usage or input error (exit 2).
    static func input(_ m: String) -> CLIError { CLIError(code: 2, message: m) }
    /// An assertion or SLO failure (exit 1).
    static func failed(_ m: String) -> CLIError { CLIError(code: 1, message: m) }
    /// A replay divergence (exit 3).
    static func divergence(_ m: String) -> CLIError { CLIError(code: 3, message: m) }
}

/// Runs the parsed command and maps every outcome to an exit code and at most one error line.
enum CLI {
    static func execute<C: AsyncParsableCommand>(_ root: C.Type, arguments: [String]) async -> Int32 {
        do {
            var command = try root.parseAsRoot(arguments)
            if var a = command as? AsyncParsableCommand { try await a.run() } else { try command.run() }
            Output.flush()
            return 0
        } catch {
            Output.flush()
            return report(error, root: root)
        }
    }

    static func report<C: ParsableCommand>(_ error: Error, root: C.Type) -> Int32 {
        switch error {
        case let e as CLIError:
            if !e.message.isEmpty { printError(e.message) }
            return e.code
        case let e as CassetteError:
            printError(e.description)
            return 2
        case let e as ExitCode:
            return e.rawValue
        default:
            let code = root.exitCode(for: error)
            if code == .success {
                // --help, --version and the like.
                print(root.fullMessage(for: error))
                return 0
            }
            if error is ValidationError || "\(type(of: error))".contains("CommandError") || "\(type(of: error))".contains("ParserError") {
                let msg = root.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                printError("\(msg) (see 'tapedeck --help')")
                return 2
            }
            printError(oneLine("\(error)"))
            return 2
        }
    }

    static func oneLine(_ s: String) -> String {
        s.split(separator: "\n").first.map(String.init) ?? s
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data(("tapedeck: error: " + oneLine(message) + "\n").utf8))
    }

    static func warn(_ message: String) {
        FileHandle.standardError.write(Data(("tapedeck: warning: " + message + "\n").utf8))
    }
}

/// Buffered standard output for commands that print a lot (`cassette cat`).
enum Output {
    nonisolated(unsafe) static var buffer: [UInt8] = []  // Used from the main command only, never concurrently.

    static func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    static func line(_ s: String) {
        write(Array(s.utf8) + [0x0A])
    }

    static func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { b in
            var off = 0
            while off < b.count {
                let n = Foundation.write(1, b.baseAddress! + off, b.count - off)  // buffer is non-empty.
                if n <= 0 { break }
                off += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
