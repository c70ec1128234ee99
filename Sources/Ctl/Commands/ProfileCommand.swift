import ArgumentParser
import Cassette
import Foundation
import Scoring

/// `tapedeck profile run.cassette`: an agent's profile from its recorded traffic.
struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Profile an agent from a cassette: trajectories, ISL/OSL, TTFT and speed per model, tool gaps, caching, cost."
    )

    @Argument(help: "The cassette file.") var file: String
    @Flag(help: "Print JSON for machines.") var json = false
    @Option(help: "Also write a self-contained HTML profile here.") var html: String?
    @Option(help: "A price table for cost (default: configs/prices.yaml when it exists).") var prices: String?

    func run() async throws {
        let view = try TestCommand.loadView(file, named: file, at: SourceLocation(file: file, line: 1, column: 1))
        var table: PriceTable?
        if let p = prices ?? (FileManager.default.fileExists(atPath: "configs/prices.yaml") ? "configs/prices.yaml" : nil) {
            do { table = try PriceTable.parse(try TestCommand.readText(p, what: "price table"), file: p) } catch let e as ConfigError {
                throw CLIError.input(e.description)
            }
        }
        let profile = AgentProfile(view, prices: table)
        if json {
            Output.line(ProfileReport.json(profile, file: file).prettyText())
        } else {
            Output.write(Array(ProfileReport.console(profile, file: file).utf8))
        }
        Output.flush()
        if let html {
            try CassetteWriting.writeText(path: html, ProfileReport.html(profile, view: view, file: file))
            FileHandle.standardError.write(Data("tapedeck: wrote \(html)\n".utf8))
        }
    }
}
