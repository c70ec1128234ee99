import Foundation
import ServiceLifecycle
import Synchronization
import UnixSignals

/// A child command run as a service: started with an environment, sent the signals this
/// process receives, and awaited. When it exits, ``run()`` returns, which (configured with
/// `.gracefullyShutdownGroup`) shuts the rest of the group down; ``exitCode`` then holds the
/// code to exit with (128 + N when it died of signal N).
public final class ChildProcess: Service, Sendable {
    /// The command and its arguments; the command is looked up in `PATH`.
    public let command: [String]
    let environment: [String: String]
    let standardIO: StandardIO?
    let code = Mutex<Int32?>(nil)
    let pid = Mutex<Int32>(0)

    /// Pipes to use instead of inheriting this process's stdin and stdout.
    public struct StandardIO: @unchecked Sendable {  // FileHandles are thread-safe for the use made here (hand-over to Process).
        /// The child's stdin.
        public var input: FileHandle
        /// The child's stdout.
        public var output: FileHandle
        /// Pipes.
        public init(input: FileHandle, output: FileHandle) { self.input = input; self.output = output }
    }

    /// A child to run; `environment` is merged over this process's.
    public init(command: [String], environment: [String: String] = [:], standardIO: StandardIO? = nil) throws(ProxyConfigError) {
        guard let first = command.first else { throw ProxyConfigError("no command given: put it after '--'") }
        guard Executable.find(first) != nil else { throw ProxyConfigError("command not found: \(first)") }
        self.command = command
        self.environment = environment
        self.standardIO = standardIO
    }

    /// The exit code, once the child has exited.
    public var exitCode: Int32? { code.withLock { $0 } }

    /// The child's process id, once started (0 before).
    public var processID: Int32 { pid.withLock { $0 } }

    /// Starts the child, relays SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to it,
    /// and returns when it exits. A terminal's Ctrl-C already reaches the child (same process
    /// group), so SIGINT is relayed only when this process is not in the terminal's foreground.
    public func run() async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Executable.find(command[0]) ?? command[0])
        p.arguments = Array(command.dropFirst())
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let io = standardIO {
            p.standardInput = io.input
            p.standardOutput = io.output
        }
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm, .sighup, .sigquit, .sigusr1, .sigusr2)
        let (exits, exited) = AsyncStream.makeStream(of: Void.self)
        p.terminationHandler = { _ in exited.yield(); exited.finish() }
        try p.run()
        pid.withLock { $0 = p.processIdentifier }
        let child = p.processIdentifier
        let foreground = isatty(0) == 1 && tcgetpgrp(0) == getpgrp()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await s in signals {
                    if s == .sigint && foreground { continue }
                    kill(child, s.rawValue)
                }
            }
            for await _ in exits {}
            group.cancelAll()
        }
        p.waitUntilExit()
        let status = p.terminationStatus
        code.withLock { $0 = p.terminationReason == .uncaughtSignal ? 128 + status : status }
    }
}

/// Finds commands in `PATH`.
public enum Executable {
    /// The full path of `name` (itself when it contains a slash and is executable).
    public static func find(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
