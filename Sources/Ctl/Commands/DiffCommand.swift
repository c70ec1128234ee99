import ArgumentParser
import Cassette
import Foundation
import Scoring

/// `tapedeck diff BASE NEW`: behaviour and performance differences, with significance, as a CI gate.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two cassettes (or two load/sweep result files): behaviour per trajectory and performance deltas.",
        discussion: """
            Performance deltas of per-turn samples carry a two-sided Mann–Whitney U test; a gate on them trips only
            when the change passes its limit AND p < --alpha, so noise is not called a regression. Totals (tokens,
            turns, tool calls, cost) are exact. Gates: --fail-on "ttft_p95:+10%,output_tokens:+20%,tool_sequence:changed"
            (metrics: ttft, output_speed, e2e, tool_gap, isl, osl, trajectory with _p50/_p95/_mean…; totals input_tokens,
            output_tokens, cached_tokens, reasoning_tokens, turns, tool_calls, errors, cost_usd; behaviour tool_sequence,
            params, output, system_prompt, tools, trajectories). Exit 1 when a gate trips, 2 on bad input.
            """
    )

    @Argument(help: "The base: a cassette, or a load/sweep result file (.json, .jsonl).") var base: String
    @Argument(help: "The new run, of the same kind.") var new: String
    @Option(name: .customLong("fail-on"), help: "Comma-separated gates that turn the diff into a CI check.") var failOn: String?
    @Option(help: "Significance level for sample metrics.") var alpha: Double = 0.05
    @Flag(help: "Print JSON for machines.") var json = false
    @Option(help: "Also write the diff as Markdown here (for a pull-request comment).") var markdown: String?
    @Option(help: "A price table, for cost_usd (default: configs/prices.yaml when it exists).") var prices: String?
    @Option(name: .customLong("base-requests"), help: "Per-request JSON Lines of the base load run.") var baseRequests: String?
    @Option(name: .customLong("new-requests"), help: "Per-request JSON Lines of the new load run.") var newRequests: String?

    func run() async throws {
        guard alpha > 0, alpha < 1 else { throw CLIError.input("--alpha must be between 0 and 1") }
        let gates: [Gate]
        do { gates = try failOn.map { try Gate.parse($0) } ?? [] } catch let e as Gate.ParseError { throw CLIError.input(e.description) }
        let kinds = (try Self.kind(base), try Self.kind(new))
        var behaviour: BehaviourDiff?
        var metrics: [MetricComparison]
        switch kinds {
        case (.cassette, .cassette):
            let a = try TestCommand.loadView(base, named: base, at: SourceLocation(file: base, line: 1, column: 1))
            let b = try TestCommand.loadView(new, named: new, at: SourceLocation(file: new, line: 1, column: 1))
            var table: PriceTable?
            if let p = prices ?? (FileManager.default.fileExists(atPath: "configs/prices.yaml") ? "configs/prices.yaml" : nil) {
                do { table = try PriceTable.parse(try TestCommand.readText(p, what: "price table"), file: p) } catch let e as ConfigError {
                    throw CLIError.input(e.description)
                }
            }
            behaviour = BehaviourDiff(base: a, new: b)
            metrics = PerfDiff.compare(base: a, new: b, prices: table)
        case (.cassette, _), (_, .cassette):
            throw CLIError.input("cannot compare a cassette with a result file: give two cassettes or two load/sweep results")
        default:
            let (da, ra) = try Self.document(base, kinds.0)
            let (db, rb) = try Self.document(new, kinds.1)
            let xa = try baseRequests.map { try Self.jsonLines($0) } ?? []
            let xb = try newRequests.map { try Self.jsonLines($0) } ?? []
            metrics = ResultFileDiff.compare(base: da, new: db, baseRequests: ra + xa, newRequests: rb + xb)
            guard !metrics.isEmpty else { throw CLIError.input("\(base) and \(new) share no numeric metrics to compare") }
        }
        let (results, unknown) = GateEvaluator.evaluate(gates, behaviour: behaviour, metrics: metrics, alpha: alpha)
        if let u = unknown.first {
            let known = metrics.map(\.key).prefix(30).joined(separator: ", ")
            throw CLIError.input("--fail-on: unknown metric '\(u)'; known: \(known)\(behaviour == nil ? "" : ", " + Gate.behaviourKeys.joined(separator: ", "))")
        }
        if json {
            Output.line(DiffReport.json(base: base, new: new, behaviour: behaviour, metrics: metrics, gates: results).prettyText())
        } else {
            Output.write(Array(DiffReport.console(base: base, new: new, behaviour: behaviour, metrics: metrics, gates: results, alpha: alpha).utf8))
        }
        Output.flush()
        if let markdown {
            try CassetteWriting.writeText(path: markdown, DiffReport.markdown(base: base, new: new, behaviour: behaviour, metrics: metrics, gates: results, alpha: alpha))
        }
        let tripped = results.filter(\.tripped)
        if !tripped.isEmpty { throw CLIError.failed("\(tripped.count) gate(s) tripped: " + tripped.map(\.gate.text).joined(separator: ", ")) }
    }

    enum Kind { case cassette, json, jsonl }

    /// What a file is: a cassette (LZ4 frame magic), JSON Lines (by extension) or a JSON document.
    static func kind(_ path: String) throws -> Kind {
        guard let h = FileHandle(forReadingAtPath: path) else { throw CLIError.input("'\(path)' not found") }
        defer { try? h.close() }
        let head = [UInt8](h.readData(ofLength: 4))
        if head == [0x04, 0x22, 0x4D, 0x18] { return .cassette }
        return path.hasSuffix(".jsonl") ? .jsonl : .json
    }

    static func document(_ path: String, _ kind: Kind) throws -> (JSON, [JSON]) {
        if kind == .jsonl { return (.obj([]), try jsonLines(path)) }
        let text = try TestCommand.readText(path, what: "result file")
        do { return (try JSON.parse(text), []) } catch { throw CLIError.input("\(path) is not a cassette or JSON: \(error)") }
    }

    static func jsonLines(_ path: String) throws -> [JSON] {
        let text = try TestCommand.readText(path, what: "requests file")
        var out: [JSON] = []
        for (i, line) in text.split(separator: "\n").enumerated() where !line.allSatisfy(\.isWhitespace) {
            do { out.append(try JSON.parse(String(line))) } catch { throw CLIError.input("\(path):\(i + 1): not JSON: \(error)") }
        }
        return out
    }
}
