import Cassette
import Foundation

/// A simulator profile: the served models, the performance model, the content and the faults.
///
/// Profiles are YAML files (see `configs/sim/` and `docs/simulator.md`). The bundled ones
/// (`tiny`, `h100-70b`) are compiled into the binary, so `SimProfile.named("tiny")` works
/// without the repository on disk.
public struct SimProfile: Sendable, Equatable {
    /// The profile's name.
    public var name: String
    /// A one-line description.
    public var summary: String
    /// The model names served; the first is the default shown by `/v1/models`.
    public var models: [String]
    /// Whether requests may name a model that is not in `models` (no 404 for unknown models).
    public var acceptAnyModel: Bool
    /// The continuous-batching performance model.
    public var performance: SimPerformanceModel
    /// How response content is generated.
    public var output: SimOutputConfig
    /// Faults injected at random, per request (headers can add more).
    public var faults: SimFaultConfig

    /// A profile from its parts.
    public init(name: String, summary: String = "", models: [String], acceptAnyModel: Bool = false,
                performance: SimPerformanceModel, output: SimOutputConfig = SimOutputConfig(),
                faults: SimFaultConfig = SimFaultConfig()) {
        self.name = name
        self.summary = summary
        self.models = models
        self.acceptAnyModel = acceptAnyModel
        self.performance = performance
        self.output = output
        self.faults = faults
    }

    /// The names of the profiles compiled into the binary.
    public static var bundledNames: [String] { SimBundledProfiles.all.map(\.name) }

    /// A bundled profile by name (`tiny`, `h100-70b`).
    public static func named(_ name: String) throws -> SimProfile {
        guard let entry = SimBundledProfiles.all.first(where: { $0.name == name }) else {
            throw SimConfigError("unknown simulator profile '\(name)'; bundled profiles: \(bundledNames.joined(separator: ", ")), or pass a YAML file path")
        }
        return try parse(yaml: entry.yaml, source: "profile '\(name)'", baseDirectory: nil)
    }

    /// A profile from a YAML file; a script path inside it is resolved relative to the file.
    public static func load(path: String) throws -> SimProfile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimConfigError("cannot read simulator profile '\(path)'")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SimConfigError("simulator profile '\(path)' is not UTF-8 text")
        }
        let dir = (path as NSString).deletingLastPathComponent
        return try parse(yaml: text, source: path, baseDirectory: dir.isEmpty ? "." : dir)
    }

    /// A bundled name or a file path: `tiny`, `h100-70b` or `configs/sim/x.yaml`.
    public static func resolve(_ nameOrPath: String) throws -> SimProfile {
        if SimBundledProfiles.all.contains(where: { $0.name == nameOrPath }) { return try named(nameOrPath) }
        return try load(path: nameOrPath)
    }

    /// Whether `model` may be requested.
    public func accepts(model: String) -> Bool {
        acceptAnyModel || models.isEmpty || models.contains(model)
    }
}

/// How response content is generated and how long responses are when the client sets no limit.
public struct SimOutputConfig: Sendable, Equatable {
    /// The content mode.
    public var content: SimContentMode
    /// The shortest natural response, in tokens (before `max_tokens` caps it).
    public var minTokens: Int
    /// The longest natural response, in tokens.
    public var maxTokens: Int

    /// A configuration; natural lengths are drawn uniformly from `minTokens...maxTokens`.
    public init(content: SimContentMode = .lorem, minTokens: Int = 16, maxTokens: Int = 64) {
        self.content = content
        self.minTokens = minTokens
        self.maxTokens = maxTokens
    }
}

/// Where response text comes from.
public enum SimContentMode: Sendable, Equatable {
    /// Seeded lorem-ipsum words.
    case lorem
    /// The last user message, repeated until the output length is reached.
    case echo
    /// A YAML script of rules (tool calls and answers) matched against the conversation.
    case script(SimScript)

    /// The mode's name as written in YAML.
    public var name: String {
        switch self {
        case .lorem: return "lorem"
        case .echo: return "echo"
        case .script: return "script"
        }
    }
}
