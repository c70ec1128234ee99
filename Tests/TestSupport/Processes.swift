import Foundation

/// The result of a finished process.
public struct ProcessResult: Sendable {
    /// Exit status (or 128+signal).
    public let code: Int32
    /// Everything written to stdout.
    public let stdout: String
    /// Everything written to stderr.
    public let stderr: String
}

/// Runs a command to completion, with a deadline after which it is killed.
public func runProcess(_ exe: String, _ args: [String], env: [String: String] = [:], cwd: String? = nil,
                       stdin: String? = nil, timeout: Double = 120) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    var e = ProcessInfo.processInfo.environment
    for (k, v) in env { e[k] = v }
    p.environment = e
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let inPipe = Pipe()
    p.standardInput = inPipe
    try p.run()
    if let stdin { inPipe.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? inPipe.fileHandleForWriting.close()
    // Drain pipes concurrently so that a chatty child never blocks.
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data(), errData = Data()  // Each written by one block, read after group.wait().
    group.enter(); DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter(); DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(10_000) }
    if p.isRunning { p.terminate(); usleep(200_000); if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
    p.waitUntilExit()
    group.wait()
    let code = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
    return ProcessResult(code: code, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs the built `tapedeck` binary.
public func tapedeck(_ args: [String], env: [String: String] = [:], cwd: String? = nil, stdin: String? = nil, timeout: Double = 120) throws -> ProcessResult {
    try runProcess(TestEnv.tapedeck, args, env: env, cwd: cwd, stdin: stdin, timeout: timeout)
}

/// A long-running child process (a server), stopped on `stop()` or release.
public final class BackgroundProcess: @unchecked Sendable {  // Guarded by the lock for the output buffers.
    /// The child.
    public let process = Process()
    let lock = NSLock()
    var outBuf = Data(), errBuf = Data()

    /// Starts `exe args`.
    public init(_ exe: String, _ args: [String], env: [String: String] = [:], cwd: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = args
        var e = ProcessInfo.processInfo.environment
        for (k, v) in env { e[k] = v }
        process.environment = e
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        out.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self else { return }
            self.lock.lock(); self.outBuf.append(d); self.lock.unlock()
        }
        err.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self else { return }
            self.lock.lock(); self.errBuf.append(d); self.lock.unlock()
        }
        try process.run()
    }

    /// Starts the built `tapedeck` with `args`.
    public static func tapedeck(_ args: [String], env: [String: String] = [:], cwd: String? = nil) throws -> BackgroundProcess {
        try BackgroundProcess(TestEnv.tapedeck, args, env: env, cwd: cwd)
    }

    /// Output so far.
    public var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: outBuf, as: UTF8.self) }
    /// Error output so far.
    public var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: errBuf, as: UTF8.self) }

    /// Waits until stdout or stderr contains `text`; false on timeout or exit.
    public func waitFor(_ text: String, timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stdout.contains(text) || stderr.contains(text) { return true }
            if !process.isRunning { return stdout.contains(text) || stderr.contains(text) }
            usleep(20_000)
        }
        return false
    }

    /// Waits until a TCP connect to 127.0.0.1:`port` succeeds.
    public func waitForPort(_ port: Int, timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning { return false }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = UInt16(port).bigEndian
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            close(fd)
            if r == 0 { return true }
            usleep(20_000)
        }
        return false
    }

    /// Sends a signal.
    public func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits for exit up to `timeout`; returns the exit code or nil.
    public func wait(timeout: Double = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { return nil }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Stops the process (SIGTERM, then SIGKILL).
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        if wait(timeout: 5) == nil { kill(process.processIdentifier, SIGKILL); _ = wait(timeout: 5) }
    }

    deinit { stop() }
}
