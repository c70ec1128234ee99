import ArgumentParser
import Cassette
import Foundation
import Proxy
import Scoring

/// `tapedeck test suite.yaml`: judges cassettes (and optionally a fresh agent run) against assertion suites.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run an assertion suite over cassettes (and an agent replayed or recorded) for CI.",
        discussion: """
            Exit codes: 0 the suite passed (criteria.success_rate met, or every test passed), 1 it failed,
            2 bad input (the suite, a cassette, a price table), 3 the agent's replay diverged from its cassette.
            Reports: --report out --format json,md,html,junit writes out.json, out.md, out.html and out.xml.
            Assertion reference: docs/testing.md.
            """
    )

    @Argument(help: "The suite file (YAML).") var suite: String
    @Option(help: "Base path for report files (an extension per format is added).") var report: String?
    @Option(help: "Comma-separated formats: console, json, md, html, junit (default: console; all file formats with --report).")
    var format: String?
    @Option(help: "Colour on the console: auto (a TTY and no NO_COLOR), always, never.") var color: String = "auto"
    @Flag(name: .shortAndLong, help: "List failing assertions only on the console.") var quiet = false

    static let fileFormats = ["json", "md", "html", "junit"]

    func run() async throws {
        let formats = try parseFormats()
        let text = try Self.readText(suite, what: "suite file")
        let parsed: Suite
        do { parsed = try SuiteParser.parse(text, file: suite) } catch { throw CLIError.input(error.description) }
        let base = (suite as NSString).deletingLastPathComponent
        func resolve(_ p: String) -> String { p.hasPrefix("/") || base.isEmpty ? p : base + "/" + p }

        var views: [String: CassetteView] = [:]
        var toLoad: [PathRef] = parsed.cassettes
        for t in parsed.tests { toLoad += t.cassettes ?? [] }
        for ref in toLoad where views[ref.path] == nil {
            views[ref.path] = try Self.loadView(resolve(ref.path), named: ref.path, at: ref.location)
        }
        var context = EvaluationContext(defaultBaseline: parsed.baseline?.path)
        for path in parsed.baselinePaths {
            let loc = parsed.baseline.flatMap { $0.path == path ? $0.location : nil } ?? SourceLocation(file: suite, line: 1, column: 1)
            context.baselines[path] = try Self.loadView(resolve(path), named: path, at: loc)
        }
        if parsed.needsPrices || parsed.prices != nil { context.prices = try loadPrices(parsed, resolve: resolve) }

        var agentRun: AgentRunOutcome?
        var fresh: String?
        var unreadable: [String: String] = [:]
        if let spec = parsed.run {
            let (outcome, key) = try AgentRunner.run(spec, suiteDir: base.isEmpty ? "." : base, resolve: resolve)
            agentRun = outcome
            fresh = key
            do { views[key] = try Self.loadView(outcome.cassette, named: key, at: spec.location) } catch let e as CLIError {
                unreadable[key] = "the agent run left no readable cassette: \(e.message)"
            }
        }
        let result = SuiteRunner.run(parsed, views: views, unreadable: unreadable, fresh: fresh, context: context,
                                     agentRun: agentRun, generatedAt: ISOTime.format(unixNs: HostFacts.unixNs()))
        try emit(result, views: views, formats: formats)
        if agentRun?.diverged == true { throw CLIError.divergence("the agent's replay diverged from \(agentRun?.cassette ?? "its cassette"); see the run's error output above") }
        if !result.passed {
            throw CLIError.failed("suite failed: \(result.passedCount) of \(result.tests.count) tests passed" + (result.requiredRate.map { " (required \(Fmt.pct($0)))" } ?? ""))
        }
    }

    func parseFormats() throws -> [String] {
        let raw = format.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() } }
            ?? (report == nil ? ["console"] : ["console"] + Self.fileFormats)
        for f in raw where !(["console"] + Self.fileFormats).contains(f) {
            throw CLIError.input("unknown report format '\(f)'; known: console, json, md, html, junit")
        }
        if report == nil, let f = raw.first(where: { Self.fileFormats.contains($0) }) {
            throw CLIError.input("--format \(f) writes a file: give --report PATH")
        }
        return raw
    }

    func emit(_ r: SuiteResult, views: [String: CassetteView], formats: [String]) throws {
        if formats.contains("console") {
            let tty = isatty(1) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            let useColor = color == "always" || (color == "auto" && tty)
            Output.write(Array(ConsoleReport(color: useColor, verbose: !quiet).render(r).utf8))
            Output.flush()
        }
        guard let report else { return }
        var stem = report
        for ext in [".json", ".md", ".html", ".xml"] where stem.hasSuffix(ext) { stem = String(stem.dropLast(ext.count)) }
        var written: [String] = []
        for f in formats where f != "console" {
            let (path, text): (String, String)
            switch f {
            case "json": (path, text) = (stem + ".json", JSONReport.json(r, toolVersion: Tapedeck.version).prettyText() + "\n")
            case "md": (path, text) = (stem + ".md", MarkdownReport.render(r))
            case "html": (path, text) = (stem + ".html", HTMLReport.render(r, views: views))
            default:
                let ts = String((r.generatedAt ?? "1970-01-01T00:00:00").prefix(19))
                (path, text) = (stem + ".xml", JUnitReport.render(r, timestamp: ts, hostname: ProcessInfo.processInfo.hostName))
            }
            try CassetteWriting.writeText(path: path, text)
            written.append(path)
        }
        if !written.isEmpty { FileHandle.standardError.write(Data("tapedeck: wrote \(written.joined(separator: ", "))\n".utf8)) }
    }

    func loadPrices(_ s: Suite, resolve: (String) -> String) throws -> PriceTable {
        let path: String
        let named: String
        if let p = s.prices {
            path = resolve(p.path); named = p.path
            guard FileManager.default.fileExists(atPath: path) else { throw CLIError.input("\(p.location): price table '\(p.path)' not found") }
        } else {
            let candidates = ["configs/prices.yaml", resolve("prices.yaml"), resolve("../prices.yaml"), resolve("../../configs/prices.yaml")]
            guard let found = candidates.first(where: FileManager.default.fileExists) else {
                throw CLIError.input("\(suite): cost_usd needs a price table: set 'prices:' in the suite (looked for configs/prices.yaml)")
            }
            path = found; named = found
        }
        do { return try PriceTable.parse(try Self.readText(path, what: "price table"), file: named) } catch let e as ConfigError {
            throw CLIError.input(e.description)
        }
    }

    /// Reads a text file or fails with a one-line input error.
    static func readText(_ path: String, what: String) throws -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw CLIError.input("\(what) '\(path)' not found") }
        guard !isDir.boolValue, let data = FileManager.default.contents(atPath: path) else { throw CLIError.input("cannot read \(what) '\(path)'") }
        guard let s = String(data: data, encoding: .utf8) else { throw CLIError.input("\(what) '\(path)' is not UTF-8 text") }
        return s
    }

    /// Loads a cassette as a view; a missing or unreadable one is an input error at `location`.
    static func loadView(_ path: String, named: String, at location: SourceLocation) throws -> CassetteView {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError.input("\(location): cassette '\(named)' not found") }
        do {
            let (records, report) = try CassetteFile.readAll(path: path)
            if let issue = report.issue { CLI.warn("\(named): \(issue); judging the records before it") }
            return CassetteView(records: records)
        } catch let e as CassetteError {
            throw CLIError.input("\(location): cassette '\(named)': \(e)")
        }
    }
}
