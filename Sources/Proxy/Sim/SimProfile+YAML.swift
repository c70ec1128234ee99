import Cassette
import Foundation

extension SimProfile {
    /// Parses a profile from YAML text; `baseDirectory` resolves a relative `output.script` path.
    public static func parse(yaml: String, source: String = "profile", baseDirectory: String? = nil) throws -> SimProfile {
        var r = try SimConfigReader(try SimYAML.parse(yaml, source: source), path: "", source: source)
        let name = try r.string("name", "custom")
        let summary = try r.string("description", "")
        let models = try r.strings("models")
        let acceptAny = try r.bool("accept_any_model", false)

        var s = try r.child("scheduler")
        var p = try r.child("prefill")
        var d = try r.child("decode")
        var c = try r.child("prefix_cache")
        let perf = SimPerformanceModel(
            maxSequences: try s.int("max_sequences", 256),
            maxBatchedTokens: try s.int("max_batched_tokens", 8192),
            kvCapacityTokens: try s.int("kv_capacity_tokens", 0),
            prefillTokensPerSecond: try p.double("tokens_per_second", 10_000),
            stepBaseNs: try d.double("step_base_ms", 20) * 1e6,
            stepPerSequenceNs: try d.double("step_per_sequence_ms", 0.1) * 1e6,
            stepPerContextTokenNs: try d.double("step_per_context_token_us", 0) * 1e3,
            prefixBlockTokens: try c.int("block_tokens", 16),
            prefixCacheCapacityTokens: try c.int("capacity_tokens", 0))
        try s.finish(); try p.finish(); try d.finish(); try c.finish()
        try perf.validate(source: source)

        var o = try r.child("output")
        let mode = try o.string("content", "lorem")
        let scriptRef = o.raw("script")
        var output = SimOutputConfig(content: .lorem, minTokens: try o.int("min_tokens", 16), maxTokens: try o.int("max_tokens", 64))
        try o.finish()
        guard output.minTokens >= 1, output.maxTokens >= output.minTokens else {
            throw SimConfigError("\(source): output.min_tokens must be at least 1 and at most output.max_tokens")
        }
        switch mode {
        case "lorem": output.content = .lorem
        case "echo": output.content = .echo
        case "script":
            guard let scriptRef else { throw SimConfigError("\(source): output.content is 'script' but output.script is missing") }
            if let path = scriptRef.stringValue {
                let full = (path.hasPrefix("/") ? nil : baseDirectory).map { $0 + "/" + path } ?? path
                output.content = .script(try SimScript.load(path: full))
            } else {
                output.content = .script(try SimScript.parse(json: scriptRef, source: source + " output.script"))
            }
        default:
            throw SimConfigError("\(source): output.content must be lorem, echo or script, not '\(mode)'")
        }

        var f = try r.child("faults")
        var faults = SimFaultConfig()
        faults.errorRate = try f.rate("error_rate", 0)
        faults.errorStatus = try f.int("error_status", 500)
        faults.rateLimitRate = try f.rate("rate_limit_rate", 0)
        faults.retryAfterSeconds = try f.int("retry_after_s", 1)
        faults.slowFirstTokenRate = try f.rate("slow_first_token_rate", 0)
        faults.slowFirstTokenMs = try f.double("slow_first_token_ms", 1000)
        faults.disconnectRate = try f.rate("disconnect_rate", 0)
        faults.disconnectAfterTokens = try f.int("disconnect_after_tokens", 5)
        faults.malformedRate = try f.rate("malformed_rate", 0)
        faults.malformedAfterTokens = try f.int("malformed_after_tokens", 3)
        faults.stallRate = try f.rate("stall_rate", 0)
        faults.stallMs = try f.double("stall_ms", 2000)
        faults.stallAfterTokens = try f.int("stall_after_tokens", 5)
        try f.finish()
        guard (400...599).contains(faults.errorStatus) else { throw SimConfigError("\(source): faults.error_status must be 400-599") }
        try r.finish()
        return SimProfile(name: name, summary: summary, models: models, acceptAnyModel: acceptAny,
                          performance: perf, output: output, faults: faults)
    }
}
