import Cassette
import Foundation
import Scoring

/// Runs a suite's agent command under `tapedeck run --replay` or `--record` and reports what happened.
enum AgentRunner {
    /// The `tapedeck` arguments that wrap the agent command.
    static func arguments(_ spec: RunSpec, replayCassette: String?, fresh: String) -> [String] {
        var args = ["run"]
        switch spec.mode {
        case .replay:
            args += ["--replay", replayCassette ?? ""]
            if let m = spec.replayMode { args += ["--mode", m] }
            args += ["--record", fresh]
        case .record(let upstream):
            args += ["--record", fresh]
            if let u = upstream { args += ["--upstream", u] }
        }
        args.append("--")
        args += spec.shell ? ["/bin/sh", "-c", spec.command[0]] : spec.command
        return args
    }

    /// This executable's path, so that the agent runs under the same tapedeck.
    static var selfPath: String {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        return CommandLine.arguments[0]
    }

    /// Runs the agent; returns the outcome and the key under which the fresh cassette is judged.
    static func run(_ spec: RunSpec, suiteDir: String, resolve: (String) -> String) throws -> (AgentRunOutcome, String) {
        var replay: String?
        if case .replay(let ref) = spec.mode {
            let p = resolve(ref.path)
            guard FileManager.default.fileExists(atPath: p) else { throw CLIError.input("\(ref.location): cassette '\(ref.path)' not found") }
            replay = p
        }
        let fresh: String
        let key: String
        if let o = spec.output {
            fresh = resolve(o.path); key = o.path
        } else {
            let dir = NSTemporaryDirectory() + "tapedeck-test-\(getpid())"
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            fresh = dir + "/fresh.cassette"; key = "fresh run"
        }
        try? FileManager.default.removeItem(atPath: fresh)
        let args = arguments(spec, replayCassette: replay, fresh: fresh)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: selfPath)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: spec.cwd.map(resolve) ?? suiteDir)
        var env = ProcessInfo.processInfo.environment
        for (k, v) in spec.env { env[k] = v }
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.standardError
        let started = Date()
        do { try p.run() } catch { throw CLIError.input("cannot start \(selfPath): \(error.localizedDescription)") }
        nonisolated(unsafe) var errData = Data()  // Written by the reader block, read after group.wait().
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let deadline = started.addingTimeInterval(spec.timeoutSeconds)
        var timedOut = false
        while p.isRunning {
            if Date() > deadline { timedOut = true; p.interrupt(); usleep(2_000_000); if p.isRunning { p.terminate() }; break }
            usleep(20_000)
        }
        p.waitUntilExit()
        group.wait()
        let stderr = String(decoding: errData, as: UTF8.self)
        FileHandle.standardError.write(errData)
        let code = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
        let tail = stderr.split(separator: "\n").suffix(8).joined(separator: "\n") + (timedOut ? "\n(killed after \(Fmt.num(spec.timeoutSeconds)) s)" : "")
        let shown = spec.shell ? spec.command[0] : spec.command.joined(separator: " ")
        let outcome = AgentRunOutcome(command: shown, exitCode: code, cassette: fresh, seconds: Date().timeIntervalSince(started),
                                      diverged: code == 3 && replay != nil, stderrTail: tail)
        return (outcome, key)
    }
}
