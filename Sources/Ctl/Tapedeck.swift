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
        #if canImport(Glibc)
        // glibc hands freed heap back to the kernel whenever the top of a heap grows past a
        // threshold it keeps adjusting; with records freed at a high rate that meant an
        // madvise and a TLB shootdown (an interrupt of the other core's event loop) many
        // times a second. Keep up to 64 MiB of free heap instead.
        // The heap also grows 64 MiB at a time rather than by what each allocation lacks:
        // readers of large cassettes allocate steadily, and growing in small steps cost them
        // about 2 % in system calls and page-table work (bench cassette, alternating runs).
        // mallopt is not in Swift's Glibc module; M_TRIM_THRESHOLD is -1 and M_TOP_PAD -2 in malloc.h.
        if let f = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {  // RTLD_DEFAULT
            let mallopt = unsafeBitCast(f, to: (@convention(c) (Int32, Int32) -> Int32).self)
            _ = mallopt(-1, 64 << 20)
            _ = mallopt(-2, 64 << 20)
        }
        #endif
        let code = await CLI.execute(Tapedeck.self, arguments: Array(CommandLine.arguments.dropFirst()))
        exit(code)
    }
}
