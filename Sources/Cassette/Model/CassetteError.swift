/// Why a cassette or record could not be read or written.
public struct CassetteError: Error, Sendable, CustomStringConvertible, Equatable {
    enum Kind: Sendable, Equatable {
        case schema(String)
        case version(String)
        case frame(offset: Int, reason: String)
        case json(line: Int, reason: String)
        case missingBlob(String)
        case notACassette(String)
        case io(String)
    }
    let kind: Kind

    /// A record did not match the schema.
    public static func schema(_ what: String) -> CassetteError { .init(kind: .schema(what)) }
    /// The file uses an unknown major version.
    public static func version(_ v: String) -> CassetteError { .init(kind: .version(v)) }
    /// A frame at `offset` could not be decoded.
    public static func frame(offset: Int, reason: String) -> CassetteError { .init(kind: .frame(offset: offset, reason: reason)) }
    /// A record line is not valid JSON.
    public static func json(line: Int, reason: String) -> CassetteError { .init(kind: .json(line: line, reason: reason)) }
    /// A request refers to a content blob that was never written.
    public static func missingBlob(_ h: String) -> CassetteError { .init(kind: .missingBlob(h)) }
    /// The input is not a Tapedeck cassette.
    public static func notACassette(_ why: String) -> CassetteError { .init(kind: .notACassette(why)) }
    /// A file operation failed.
    public static func io(_ why: String) -> CassetteError { .init(kind: .io(why)) }

    /// Whether the file cannot be used at all (missing, not a cassette, unknown version),
    /// as opposed to a damaged tail that still leaves earlier records readable.
    public var isFatal: Bool {
        switch kind {
        case .notACassette, .version, .io: return true
        default: return false
        }
    }

    /// The byte offset of the failure, when known.
    public var offset: Int? { if case .frame(let o, _) = kind { return o }; return nil }

    public var description: String {
        switch kind {
        case .schema(let w): return "record does not match the cassette schema: \(w)"
        case .version(let v):
            return "cassette format version \(v) is not supported by this tapedeck (it reads major version \(CassetteHeader.majorVersion)); upgrade tapedeck to read it"
        case .frame(let o, let r): return "corrupt or truncated cassette at byte \(o): \(r)"
        case .json(let l, let r): return "record \(l) is not valid JSON: \(r)"
        case .missingBlob(let h): return "request refers to content blob \(h), which the cassette does not contain"
        case .notACassette(let w): return "not a tapedeck cassette: \(w)"
        case .io(let w): return w
        }
    }
}
