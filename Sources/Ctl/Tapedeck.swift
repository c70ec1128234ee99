import ArgumentParser
import Cassette

#if canImport(Glibc)
import Glibc
#endif

/// The `tapedeck` command.
struct Tapedeck: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "tapedeck",
        abstract: "Record, profile, replay and load-test the traffic between AI agents and their LLM and MCP servers.",
        discussion: """
            Exit codes: 0 pass, 1 assertion or SLO failure, 2 usage or input error, 3 replay divergence.
            """,
        version: version,
        subcommands: [
            CassetteCommand.self,
            RecordCommand.self,
            RunCommand.self,
            ServeCommand.self,
            MCPStdioCommand.self,
            BenchCommand.self,
            SimCommand.self,
            LoadCommand.self,
            SweepCommand.self,
            TestCommand.self,
            ProfileCommand.self,
            DiffCommand.self,
        ]
    )
}

@main
enum Main {
    static func main() async {
        let code = await CLI.execute(Tapedeck.self, arguments: Array(CommandLine.arguments.dropFirst()))
        exit(code)
    }
}
