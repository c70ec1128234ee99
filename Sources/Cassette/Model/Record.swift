/// One line of a cassette.
public enum Record: Sendable, Equatable {
    /// The first record: format, version and host facts.
    case header(CassetteHeader)
    /// One HTTP exchange (LLM call, MCP over HTTP, or raw traffic).
    case exchange(Exchange)
    /// One JSON-RPC message relayed over MCP stdio.
    case message(StdioMessage)
    /// Content stored once by hash and referenced from later requests (stored form only).
    case blob(Blob)

    /// The record's `type` tag.
    public var typeName: String {
        switch self {
        case .header: return "header"
        case .exchange: return "exchange"
        case .message: return "message"
        case .blob: return "blob"
        }
    }

    /// The record as a JSON value (stored form for blobs, logical form for the rest).
    public func toJSON() -> JSON {
        switch self {
        case .header(let h): return h.toJSON()
        case .exchange(let e): return e.toJSON()
        case .message(let m): return m.toJSON()
        case .blob(let b): return b.toJSON()
        }
    }

    /// A record that holds nothing to release, for moving a record out of storage.
    static let vacant = Record.blob(Blob(hash: "", value: .null))

    /// Moves the record out of `slot`, leaving a vacant record there: the caller then owns the
    /// only copy and can change it without copying its fields.
    public static func take(_ slot: inout Record) -> Record {
        var r = vacant
        swap(&r, &slot)
        return r
    }

    /// Decodes a record from its JSON value.
    public init(json: JSON) throws(CassetteError) {
        guard let type = json["type"]?.stringValue else { throw .schema("missing \"type\"") }
        switch type {
        case "header": self = .header(try CassetteHeader(json: json))
        case "exchange": self = .exchange(try Exchange(json: json))
        case "message": self = .message(try StdioMessage(json: json))
        case "blob": self = .blob(try Blob(json: json))
        default: throw .schema("unknown record type \"\(type)\"")
        }
    }
}

/// A stored content blob: a JSON value named by the hash of its canonical form.
public struct Blob: Sendable, Equatable {
    /// The content name (32 hex digits).
    public var hash: String
    /// The content.
    public var value: JSON

    /// A blob with a name and value.
    public init(hash: String, value: JSON) { self.hash = hash; self.value = value }

    /// The content name for a value: XXH64×2 over its canonical (sorted-key, compact) form.
    public static func name(of value: JSON) -> String {
        XXH64.contentName(value.serialized(sortedKeys: true))
    }

    func toJSON() -> JSON { .obj([("type", "blob"), ("hash", .string(hash)), ("value", value)]) }

    init(json: JSON) throws(CassetteError) {
        guard let h = json["hash"]?.stringValue else { throw .schema("blob without \"hash\"") }
        guard let v = json["value"] else { throw .schema("blob \(h) without \"value\"") }
        hash = h; value = v
    }
}
