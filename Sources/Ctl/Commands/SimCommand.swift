import ArgumentParser
import Foundation
import Proxy

/// `tapedeck sim`: an OpenAI- and Anthropic-compatible inference simulator with a
/// continuous-batching performance model.
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Serve simulated LLM endpoints (OpenAI chat/completions/responses, Anthropic messages) with realistic timing.",
        discussion: """
            Profiles: \(SimProfile.bundledNames.joined(separator: ", ")) (bundled), or a YAML file (see configs/sim/ and docs/simulator.md).
            Faults can be requested per request with the header 'X-Tapedeck-Fault: stall=1500@4, malformed=2'.
            Stops on SIGINT or SIGTERM, flushing the trace.
            """)

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free port).") var listen = "127.0.0.1:9000"
    @Option(help: "A bundled profile name or a profile YAML file.") var profile = "tiny"
    @Option(help: "Seed for content, ids and random faults.") var seed: UInt64 = 0
    @Option(help: "Write the ground-truth trace (JSON Lines) to this file.") var trace: String?
    @Flag(help: "Also put prompt and output text in trace records.") var traceContent = false
    @Option(help: "Override the profile's content mode: lorem or echo.") var content: String?
    @Option(help: "Use this script file (script content mode).") var script: String?

    func run() async throws {
        var p: SimProfile
        do { p = try SimProfile.resolve(profile) } catch let e as SimConfigError { throw CLIError.input(e.message) }
        if let content {
            switch content {
            case "lorem": p.output.content = .lorem
            case "echo": p.output.content = .echo
            default: throw CLIError.input("--content must be lorem or echo (use --script FILE for scripts)")
            }
        }
        if let script {
            do { p.output.content = .script(try SimScript.load(path: script)) } catch let e as SimConfigError { throw CLIError.input(e.message) }
        }
        let (host, port) = try Self.parseListen(listen)
        var o = SimServer.Options()
        o.host = host
        o.port = port
        o.seed = seed
        o.tracePath = trace
        o.traceContent = traceContent
        let server: SimServer
        do { server = try await SimServer.start(profile: p, options: o) } catch let e as SimConfigError { throw CLIError.input(e.message) }
        Output.line("tapedeck sim: listening on \(server.baseURL) (profile \(p.name), content \(p.output.content.name), seed \(seed)\(trace.map { ", trace \($0)" } ?? ""))")
        Output.flush()
        await SignalWait.untilInterrupted()
        try await server.shutdown()
        Output.line("tapedeck sim: stopped")
    }

    static func parseListen(_ s: String) throws -> (String, Int) {
        var host = "127.0.0.1"
        var portText = s
        if let i = s.lastIndex(of: ":") {
            let h = String(s[..<i])
            if !h.isEmpty { host = h.hasPrefix("[") && h.hasSuffix("]") ? String(h.dropFirst().dropLast()) : h }
            portText = String(s[s.index(after: i)...])
        }
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw CLIError.input("--listen must be HOST:PORT with a port from 0 to 65535, not '\(s)'")
        }
        return (host, port)
    }
}

/// Waits for SIGINT or SIGTERM.
enum SignalWait {
    static func untilInterrupted() async {
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            let once = Once()
            let queue = DispatchQueue(label: "tapedeck.signals")
            var sources: [DispatchSourceSignal] = []
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let src = DispatchSource.makeSignalSource(signal: sig, queue: queue)
                src.setEventHandler { if once.take() { cont.resume() } }
                src.resume()
                sources.append(src)
            }
            SignalWait.keep = sources  // Keep the sources alive for the process's life.
        }
    }

    nonisolated(unsafe) static var keep: [DispatchSourceSignal] = []  // Written once, before any signal can arrive.

    final class Once: @unchecked Sendable {  // Guarded by the lock.
        let lock = NSLock()
        var done = false
        func take() -> Bool {
            lock.lock(); defer { lock.unlock() }
            if done { return false }
            done = true
            return true
        }
    }
}
