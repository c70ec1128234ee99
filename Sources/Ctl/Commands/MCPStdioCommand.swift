import ArgumentParser
import Cassette
import Foundation
import Proxy

/// `tapedeck mcp-stdio`: record an MCP server that speaks over stdio.
struct MCPStdioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp-stdio",
        abstract: "Run an MCP stdio server, relay its JSON-RPC messages both ways and record them with timestamps.",
        discussion: """
            Put it in front of the server command in the agent's MCP config:
              "command": "tapedeck", "args": ["mcp-stdio", "-o", "tools.cassette", "--", "npx", "server-filesystem", "/tmp"]
            stderr passes through; the server's exit code becomes tapedeck's.
            With --replay CASSETTE, no server runs: tapedeck answers the agent from the recorded messages
            (an offline MCP server for CI); a request with no recorded answer gets a JSON-RPC error of type
            cassette_miss, and tapedeck exits 3 when stdin closes. Live requests are redacted with the
            default rules and any --redact-path/--redact-pattern/--config given before they are matched,
            so give replay the rules the recording was made with.
            """)

    @Option(name: [.short, .customLong("output")], help: "The cassette to write.") var output: String?
    @Option(help: "Answer from this cassette instead of running a server.") var replay: String?
    @Flag(help: "Continue an existing cassette instead of replacing it.") var append = false
    @Option(name: .customLong("redact-path"), help: "A JSON path in each JSON-RPC message to redact (params.arguments.token); repeatable.")
    var redactPaths: [String] = []
    @Option(name: .customLong("redact-pattern"), help: "A regex whose matches are redacted from all message text; repeatable.")
    var redactPatterns: [String] = []
    @Option(help: "A YAML proxy config; its redact section (json_paths, patterns) applies to the messages, flags add to it.")
    var config: String?
    @Argument(parsing: .postTerminator, help: "The server command and its arguments, after '--'.") var command: [String] = []

    func run() async throws {
        ProcessSignals.prepare()
        if let replay {
            guard output == nil, command.isEmpty else { throw CLIError.input("--replay runs no server: drop -o and the command after '--'") }
            try replayStdio(cassette: replay)
            return
        }
        guard let output else { throw CLIError.input("tell mcp-stdio where to record: -o FILE (or --replay FILE to answer from a cassette)") }
        guard !command.isEmpty else { throw CLIError.input("no server command: put it after '--', e.g. tapedeck mcp-stdio -o t.cassette -- my-server") }
        let header = CassetteHeader(tool: "tapedeck \(Tapedeck.version)", createdUnixNs: HostFacts.unixNs(), host: HostFacts.current(),
                                    meta: ["command": "mcp-stdio", "server": .array(command.map { .string($0) })])
        let recorder = try CassetteRecorder(path: output, header: header, redactor: try redactor(), append: append)
        let bridge: MCPStdioBridge
        do { bridge = try MCPStdioBridge(command: command, recorder: recorder) } catch { throw CLIError.input(error.description) }
        let code = try await bridge.run()
        let s = recorder.stats
        if s.dropped > 0 {
            CLI.warn("\(s.dropped) messages could not be written to \(output)\(s.failing.map { " (\($0))" } ?? "")")
        }
        if code != 0 { throw ExitCode(code) }
    }
}

extension MCPStdioCommand {
    /// The default redaction (secret-looking strings) plus the config file's and the flags' rules:
    /// what recording writes, and what replay applies to live requests before matching them.
    func redactor() throws -> Redactor {
        var r = Redactor()
        do {
            let file = try config.map { path throws(ProxyConfigError) in try ProxyConfigFile.load(path: path) } ?? ProxyConfigFile()
            try r.add(jsonPaths: file.redactPaths + redactPaths, patterns: file.redactPatterns + redactPatterns)
        } catch { throw CLIError.input("\(error)") }
        return r
    }

    /// Serves the recorded stdio session: one JSON-RPC line in, the recorded replies out.
    func replayStdio(cassette: String) throws {
        let (records, report) = try CassetteFile.readAll(path: cassette)
        if let issue = report.issue { throw CLIError.input("\(cassette) is damaged: \(issue)") }
        let messages = records.compactMap { r -> StdioMessage? in if case .message(let m) = r { return m }; return nil }
        guard !messages.isEmpty else {
            throw CLIError.input("\(cassette) holds no MCP stdio messages (record some with tapedeck mcp-stdio -o \(cassette) -- <server>)")
        }
        var engine = StdioReplay(messages: messages)
        engine.redactor = try redactor()
        let out = FileHandle.standardOutput
        while let line = readLine(strippingNewline: true) {
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let replies: [JSON]
            do { replies = engine.receive(try JSON.parse(line)) } catch {
                replies = [.obj([("jsonrpc", "2.0"), ("id", .null), ("error", .obj([("code", -32700), ("message", .string("parse error: \(error)"))]))])]
            }
            for r in replies { out.write(Data((r.text() + "\n").utf8)) }
        }
        if !engine.misses.isEmpty {
            for m in engine.misses.prefix(20) { CLI.warn("miss: \(m)") }
            throw CLIError.divergence("\(engine.misses.count) MCP request(s) missed \(cassette)")
        }
    }
}
