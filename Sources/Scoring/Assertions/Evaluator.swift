import Cassette

/// What evaluation needs beyond the cassette: baselines and prices.
public struct EvaluationContext: Sendable {
    /// Baseline cassettes by the path the suite wrote.
    public var baselines: [String: CassetteView]
    /// The suite's default baseline path.
    public var defaultBaseline: String?
    /// The price table, when loaded.
    public var prices: PriceTable?

    /// A context.
    public init(baselines: [String: CassetteView] = [:], defaultBaseline: String? = nil, prices: PriceTable? = nil) {
        self.baselines = baselines; self.defaultBaseline = defaultBaseline; self.prices = prices
    }
}

/// Evaluates assertions on subjects: scopes narrow the subject, combinators combine verdicts.
public enum Evaluator {
    /// How many failing trajectories/turns a narrowed result lists.
    static let maxListed = 10

    /// Evaluates `spec` on `subject`; `defaultScope` applies when the assertion sets none.
    public static func evaluate(_ spec: AssertionSpec, on subject: Subject, defaultScope: Scope = .run,
                                context: EvaluationContext) -> AssertionResult {
        let scope = max(spec.scope ?? defaultScope, subject.scope)
        guard scope > subject.scope else {
            return here(spec, subject, scope, context)
        }
        let subs = subject.split(to: scope, trajectory: spec.trajectory, turn: spec.turn)
        let results = subs.map { here(spec, $0, scope, context) }
        let unit = scope == .turn ? "turns" : "trajectories"
        var r = AssertionResult(type: spec.type, passed: false, message: "", scope: subject.label, location: spec.location)
        guard !results.isEmpty else {
            r.message = "no \(unit) to check" + (spec.trajectory != nil || spec.turn != nil ? " (the selector matched none)" : "")
            return r
        }
        let failed = results.filter { !$0.passed }
        switch spec.match {
        case .all:
            r.passed = failed.isEmpty
            if let f = failed.first {
                r.message = "failed in \(failed.count) of \(results.count) \(unit); \(f.scope): \(f.message)"
                r.expected = f.expected; r.actual = f.actual
            } else {
                r.message = results.count == 1 ? "\(results[0].scope): \(results[0].message)" : "held in all \(results.count) \(unit)"
            }
            r.children = Array(failed.prefix(maxListed))
        case .any:
            if let p = results.first(where: \.passed) {
                r.passed = true
                r.message = "held in \(results.count - failed.count) of \(results.count) \(unit), first \(p.scope): \(p.message)"
            } else {
                r.message = "failed in all \(results.count) \(unit); \(failed[0].scope): \(failed[0].message)"
                r.expected = failed[0].expected; r.actual = failed[0].actual
                r.children = Array(failed.prefix(maxListed))
            }
        }
        return r
    }

    static func here(_ spec: AssertionSpec, _ subject: Subject, _ scope: Scope, _ context: EvaluationContext) -> AssertionResult {
        var r = AssertionResult(type: spec.type, passed: false, message: "", scope: subject.label, location: spec.location)
        switch spec.kind {
        case .check(let c):
            let v = Checks.evaluate(c, on: subject, context: context)
            r.passed = v.passed; r.message = v.message; r.expected = v.expected; r.actual = v.actual
        case .anyOf(let children):
            r.children = children.map { evaluate($0, on: subject, defaultScope: scope, context: context) }
            let n = r.children.filter(\.passed).count
            r.passed = n > 0
            r.message = n > 0 ? "\(n) of \(children.count) alternatives held" : "none of \(children.count) alternatives held"
        case .allOf(let children):
            r.children = children.map { evaluate($0, on: subject, defaultScope: scope, context: context) }
            let failed = r.children.filter { !$0.passed }
            r.passed = failed.isEmpty
            r.message = failed.isEmpty ? "all \(children.count) held" : "\(failed.count) of \(children.count) failed: " + failed.map(\.type).joined(separator: ", ")
        case .not(let child):
            let c = evaluate(child, on: subject, defaultScope: scope, context: context)
            r.children = [c]
            r.passed = !c.passed
            r.message = c.passed ? "expected \(child.type) to fail, but it held: \(c.message)" : "\(child.type) failed as required: \(c.message)"
            r.expected = "\(child.type) fails"
            r.actual = c.passed ? "it held" : "it failed"
        }
        return r
    }
}
