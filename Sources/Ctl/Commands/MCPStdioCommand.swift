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
            """)

    @Option(name: [.short, .customLong("output")], help: "The cassette to write.") var output: String
    @Flag(help: "Continue an existing cassette instead of replacing it.") var append = false
    @Argument(parsing: .postTerminator, help: "The server command and its arguments, after '--'.") var command: [String] = []

    func run() async throws {
        ProcessSignals.prepare()
        guard !command.isEmpty else { throw CLIError.input("no server command: put it after '--', e.g. tapedeck mcp-stdio -o t.cassette -- my-server") }
        let header = CassetteHeader(tool: "tapedeck \(Tapedeck.version)", createdUnixNs: HostFacts.unixNs(), host: HostFacts.current(),
                                    meta: ["command": "mcp-stdio", "server": .array(command.map { .string($0) })])
        let recorder = try CassetteRecorder(path: output, header: header, append: append)
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
