import Cassette

/// Token prices per model, in USD per million tokens, read from `configs/prices.yaml`.
public struct PriceTable: Sendable, Equatable {
    /// One model's prices, USD per million tokens.
    public struct Price: Sendable, Equatable {
        /// Uncached input tokens.
        public var input: Double
        /// Input tokens served from a prefix cache (defaults to `input`).
        public var cachedInput: Double
        /// Output tokens (reasoning included).
        public var output: Double
        /// A price.
        public init(input: Double, cachedInput: Double? = nil, output: Double) {
            self.input = input; self.cachedInput = cachedInput ?? input; self.output = output
        }
    }
    /// Prices by model name or prefix (`gpt-4o-mini` also prices `gpt-4o-mini-2024-07-18`; a trailing `*` is allowed).
    public var models: [(name: String, price: Price)]
    /// Where the table came from, for messages.
    public var source: String

    public static func == (a: PriceTable, b: PriceTable) -> Bool {
        a.source == b.source && a.models.map(\.name) == b.models.map(\.name) && a.models.map(\.price) == b.models.map(\.price)
    }

    /// A table.
    public init(models: [(name: String, price: Price)], source: String) { self.models = models; self.source = source }

    /// Parses price YAML: `models: {name: {input: …, cached_input: …, output: …}}`.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> PriceTable {
        let root = try YAMLNode.parse(text, file: file)
        try root.checkKeys(["currency", "unit", "models"], in: "the price table")
        if let c = root["currency"], c.scalar != "USD" { throw ConfigError(c.location, "only USD prices are supported") }
        guard let m = root["models"] else { throw ConfigError(root.location, "the price table needs 'models:'") }
        var out: [(String, Price)] = []
        for (k, v) in try m.mapping("'models'") {
            let name = try k.string("a model name")
            try v.checkKeys(["input", "cached_input", "output"], in: "the prices of '\(name)'")
            guard let i = v["input"], let o = v["output"] else { throw ConfigError(v.location, "'\(name)' needs 'input' and 'output' prices") }
            let price = Price(input: try i.number("'input'"), cachedInput: try v["cached_input"]?.number("'cached_input'"), output: try o.number("'output'"))
            out.append((name, price))
        }
        return PriceTable(models: out, source: file)
    }

    /// The price for a model: an exact name, else the longest name (or `name*`) it starts with.
    public func price(for model: String) -> Price? {
        if let p = models.first(where: { $0.name == model }) { return p.price }
        var best: (Int, Price)?
        for (n, p) in models {
            let stem = n.hasSuffix("*") ? String(n.dropLast()) : n
            if model.hasPrefix(stem), stem.count > (best?.0 ?? -1) { best = (stem.count, p) }
        }
        return best?.1
    }

    /// The cost of some turns, and the models that have no price.
    public func cost(of turns: [Turn]) -> (usd: Double, unpriced: [String]) {
        var usd = 0.0
        var unpriced: [String] = []
        for t in turns {
            let model = t.model ?? t.request.model ?? "unknown"
            guard let p = price(for: model) else { if !unpriced.contains(model) { unpriced.append(model) }; continue }
            let cached = min(t.usage.cached, t.usage.input)
            usd += (Double(t.usage.input - cached) * p.input + Double(cached) * p.cachedInput + Double(t.usage.output) * p.output) / 1e6
        }
        return (usd, unpriced)
    }
}
