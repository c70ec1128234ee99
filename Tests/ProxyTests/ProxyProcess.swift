import Foundation
import TestSupport

/// A `tapedeck record` (or `run`) process under test, with the base URL it printed.
struct ProxyProcess {
    let process: BackgroundProcess
    let baseURL: String

    /// Starts `tapedeck <args>` and waits for its "listening on URL" line.
    static func start(_ args: [String], env: [String: String] = [:], exe: String? = nil, exeArgs: [String]? = nil) throws -> ProxyProcess {
        let p = try exe.map { try BackgroundProcess($0, exeArgs ?? [], env: env) } ?? BackgroundProcess.tapedeck(args, env: env)
        guard p.waitFor("listening on http", timeout: 60) else {
            p.stop()
            throw ProxyTestError("proxy did not start: \(p.stderr)")
        }
        let err = p.stderr
        guard let r = err.range(of: "listening on ") else { throw ProxyTestError("no listen line in \(err)") }
        let url = err[r.upperBound...].prefix { !$0.isWhitespace && $0 != "(" }
        return ProxyProcess(process: p, baseURL: String(url))
    }
}

/// A failure to set a test up.
struct ProxyTestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass (a deadline for an event
/// that must happen, not a performance threshold).
func eventually(_ seconds: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

/// The async form of ``eventually(_:_:)``.
func eventuallyAsync(_ seconds: Double = 20, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// The value of an unlabelled metric in a Prometheus text page.
func metricValue(_ page: String, _ name: String) -> Double? {
    let line = page.split(separator: "\n").first { $0.hasPrefix(name + " ") }
    return line.flatMap { Double($0.split(separator: " ").last ?? "") }
}
