import ArgumentParser
import Cassette
import Foundation
import Proxy

/// `tapedeck cassette …`: inspect, check and convert cassette files.
struct CassetteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cassette",
        abstract: "Inspect, verify, redact and convert cassette files.",
        subcommands: [Cat.self, Stats.self, Verify.self, Redact.self, Export.self, Import.self, Example.self]
    )

    struct Cat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a cassette as JSON Lines, with request content expanded.")
        @Argument(help: "The cassette file.") var file: String
        @Flag(help: "Print the stored form: blob records and references as they are on disk.") var raw = false

        func run() async throws {
            var out: [UInt8] = []
            let report = try CassetteFile.read(path: file, mode: raw ? .raw : .expanded) { line in
                out.removeAll(keepingCapacity: true)
                line.json.write(into: &out)
                out.append(0x0A)
                Output.write(out)
            }
            Output.flush()
            if let issue = report.issue { throw CLIError.input("\(file): \(issue)") }
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Summarize a cassette: records, dialects, models, trajectories, span, size and compression.")
        @Argument(help: "The cassette file.") var file: String
        @Flag(help: "Print JSON for machines.") var json = false

        func run() async throws {
            var summary = CassetteSummary()
            let report = try CassetteFile.readRecords(path: file) { line in summary.add(try line.result.get()) }
            let ratio = report.fileBytes > 0 ? Double(report.rawBytes) / Double(report.fileBytes) : 0
            if json {
                var o = JSONObject()
                o["file"] = .string(file)
                o["records"] = .int(summary.records)
                o["stored_lines"] = .int(report.lines)
                o["exchanges"] = .int(summary.exchanges)
                o["messages"] = .int(summary.messages)
                o["by_dialect"] = .object(JSONObject(summary.byDialect.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }))
                o["by_model"] = .object(JSONObject(summary.byModel.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }))
                o["by_outcome"] = .object(JSONObject(summary.byOutcome.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }))
                o["trajectories"] = .int(summary.trajectories.count)
                o["span_seconds"] = .double(summary.spanSeconds)
                if let a = summary.firstUnixNs { o["first"] = .string(ISOTime.format(unixNs: a)) }
                if let b = summary.lastUnixNs { o["last"] = .string(ISOTime.format(unixNs: b)) }
                o["input_tokens"] = .int(summary.inputTokens)
                o["output_tokens"] = .int(summary.outputTokens)
                o["bytes_on_disk"] = .int(report.fileBytes)
                o["raw_bytes"] = .int(report.rawBytes)
                o["frames"] = .int(report.frames)
                o["compression_ratio"] = .double((ratio * 100).rounded() / 100)
                if let h = report.header { o["version"] = .string(h.version); o["tool"] = .string(h.tool) }
                o["last_frame_open"] = .bool(report.endsInOpenFrame)
                if let issue = report.issue { o["issue"] = .string(issue.description) }
                print(JSON.object(o).prettyText())
            } else {
                print("cassette     \(file)  (format \(report.header?.version ?? "?"), written by \(report.header?.tool ?? "?"))")
                print("records      \(summary.records)  (\(summary.exchanges) exchanges, \(summary.messages) stdio messages; \(report.lines) stored lines in \(report.frames) frames)")
                print("dialects     " + Self.list(summary.byDialect))
                print("models       " + Self.list(summary.byModel))
                print("outcomes     " + Self.list(summary.byOutcome))
                print("trajectories \(summary.trajectories.count)")
                if let a = summary.firstUnixNs, let b = summary.lastUnixNs {
                    print("span         \(ISOTime.format(unixNs: a)) .. \(ISOTime.format(unixNs: b))  (\(String(format: "%.3f", summary.spanSeconds)) s)")
                }
                print("tokens       \(summary.inputTokens) in, \(summary.outputTokens) out")
                print("size         \(report.fileBytes) bytes on disk, \(report.rawBytes) raw, ratio \(String(format: "%.2f", ratio))x")
                if report.endsInOpenFrame { print("note         the last frame has no end mark (its writer is running or was killed); every complete block was read") }
                if let issue = report.issue { print("issue        \(issue)") }
            }
            if let issue = report.issue { throw CLIError.input("\(file): \(issue)") }
        }

        static func list(_ d: [String: Int]) -> String {
            d.isEmpty ? "-" : d.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check checksums, truncation, schema and references; exit 0 if sound, 2 with the byte offset and reason if not.")
        @Argument(help: "The cassette file.") var file: String

        func run() async throws {
            var ids = Set<String>()
            var records = 0
            var schemaIssue: String?
            let report = try CassetteFile.readRecords(path: file) { line in
                let r: Record
                do { r = try line.result.get() } catch {
                    schemaIssue = "record \(line.number) in the frame at byte \(line.frameOffset): \(error)"
                    throw error
                }
                records += 1
                if case .exchange(let e) = r {
                    if !ids.insert(e.id).inserted {
                        schemaIssue = "record \(line.number) in the frame at byte \(line.frameOffset): duplicate exchange id \(e.id)"
                        throw CassetteError.schema("duplicate exchange id \(e.id)")
                    }
                }
            }
            if let s = schemaIssue { throw CLIError.input("\(file): FAIL: \(s)") }
            if let issue = report.issue { throw CLIError.input("\(file): FAIL: \(issue)") }
            let open = report.endsInOpenFrame ? " (the last frame has no end mark: its writer is running or was killed; all complete blocks verified)" : ""
            print("\(file): OK: \(records) records in \(report.frames) frames, \(report.fileBytes) bytes; checksums, schema and references sound\(open)")
        }
    }

    struct Redact: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rewrite a cassette with extra redaction rules (the defaults always apply).")
        @Argument(help: "The cassette file.") var file: String
        @Option(name: .shortAndLong, help: "Where to write the redacted cassette (may equal FILE).") var output: String
        @Option(name: .customLong("header"), help: "Another header to redact (repeatable).") var headers: [String] = []
        @Option(name: .customLong("json-path"), help: "A JSON path in bodies to redact, e.g. metadata.user_id (repeatable).") var jsonPaths: [String] = []
        @Option(name: .customLong("pattern"), help: "A regular expression to redact from all text (repeatable).") var patterns: [String] = []

        func run() async throws {
            var redactor = Redactor()
            try redactor.add(headers: headers, jsonPaths: jsonPaths, patterns: patterns)
            let (records, report) = try CassetteFile.readAll(path: file)
            if let issue = report.issue { CLI.warn("\(file): \(issue); the records before it are kept") }
            guard case .header(let header)? = records.first else { throw CLIError.input("\(file): no header") }
            try CassetteWriting.write(path: output, header: header, records: Array(records.dropFirst()), redactor: redactor)
            print("wrote \(output): \(records.count) records")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export exchanges as HAR 1.2 (Chrome DevTools, mitmproxy).")
        @Argument(help: "The cassette file.") var file: String
        @Option(help: "Output format; only 'har' is supported.") var format: String = "har"
        @Option(name: .shortAndLong, help: "Where to write the HAR file.") var output: String

        func run() async throws {
            guard format == "har" else { throw CLIError.input("unknown export format '\(format)'; supported: har") }
            let (records, report) = try CassetteFile.readAll(path: file)
            if let issue = report.issue { CLI.warn("\(file): \(issue); the records before it are exported") }
            var header: CassetteHeader?
            var exchanges: [Exchange] = []
            var messages: [StdioMessage] = []
            for r in records {
                switch r {
                case .header(let h): header = h
                case .exchange(let e): exchanges.append(e)
                case .message(let m): messages.append(m)
                case .blob: break
                }
            }
            let har = HAR.export(header: header, exchanges: exchanges, messages: messages, toolVersion: Tapedeck.version)
            try CassetteWriting.writeText(path: output, har.prettyText() + "\n")
            print("wrote \(output): \(exchanges.count) entries")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import a HAR capture (mitmproxy, browsers, tapedeck) as a cassette.")
        @Argument(help: "The HAR file.") var har: String
        @Option(name: .shortAndLong, help: "Where to write the cassette.") var output: String

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: har) else { throw CLIError.input("cannot read \(har): no such file") }
            let doc: JSON
            do { doc = try JSON.parse([UInt8](data)) } catch { throw CLIError.input("\(har) is not JSON: \(error)") }
            let imported = try HAR.import(doc)
            let header = imported.header ?? CassetteWriting.newHeader(meta: ["imported_from": .string(har)])
            try CassetteWriting.write(path: output, header: header,
                                      records: imported.exchanges.map { .exchange($0) } + imported.messages.map { .message($0) })
            print("wrote \(output): \(imported.exchanges.count) exchanges")
        }
    }

    struct Example: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a small synthetic example cassette: a 6-turn tool-using agent session over the OpenAI chat API.")
        @Option(name: .shortAndLong, help: "Where to write it.") var output: String
        @Option(help: "Turns in the session.") var turns: Int = 6

        func run() async throws {
            guard turns > 0 else { throw CLIError.input("--turns must be at least 1") }
            let exchanges = SyntheticSession.generate(turns: turns, seed: 42)
            try CassetteWriting.write(path: output, header: CassetteWriting.newHeader(meta: ["example": true]),
                                      records: exchanges.map { .exchange($0) })
            print("wrote \(output): \(exchanges.count) exchanges in 1 trajectory")
        }
    }
}
