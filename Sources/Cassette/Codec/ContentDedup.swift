/// Stores the bulky, repeated parts of LLM requests once, by content hash.
///
/// Agents resend their whole history every turn. The encoder replaces each entry of
/// `messages` / `input`, and the whole `system`, `instructions` and `tools` values, by the
/// name of a blob written once; the decoder puts them back. The replaced keys stay in the
/// body as `null` placeholders so that key order survives, and `body_refs` says which.
public enum ContentDedup {
    /// Keys whose array elements are stored one blob each.
    public static let perElementKeys = ["messages", "input"]
    /// Keys whose whole value is stored as one blob.
    public static let wholeValueKeys = ["system", "instructions", "tools"]

    /// Splits a request body into its stored form, the reference table, and the blobs it needs.
    public static func split(_ body: JSONObject) -> (stored: JSONObject, refs: JSONObject, blobs: [Blob]) {
        var stored = body
        var refs = JSONObject()
        var blobs: [Blob] = []
        for key in perElementKeys {
            guard case .array(let items)? = body[key], !items.isEmpty else { continue }
            var names: [JSON] = []
            names.reserveCapacity(items.count)
            for item in items {
                let n = Blob.name(of: item)
                blobs.append(Blob(hash: n, value: item))
                names.append(.string(n))
            }
            refs[key] = .array(names)
            stored[key] = .null
        }
        for key in wholeValueKeys {
            guard let v = body[key] else { continue }
            switch v {
            case .null: continue
            case .string(let s) where s.utf8.count < 64: continue
            default: break
            }
            let n = Blob.name(of: v)
            blobs.append(Blob(hash: n, value: v))
            refs[key] = .string(n)
            stored[key] = .null
        }
        return (stored, refs, blobs)
    }

    /// Rebuilds a body from its stored form and references, looking blobs up in `table`.
    public static func join(_ stored: JSONObject, refs: JSONObject, table: [String: JSON]) throws(CassetteError) -> JSONObject {
        var body = stored
        for (key, ref) in refs {
            switch ref {
            case .string(let n):
                guard let v = table[n] else { throw .missingBlob(n) }
                body[key] = v
            case .array(let names):
                var items: [JSON] = []
                items.reserveCapacity(names.count)
                for nj in names {
                    guard let n = nj.stringValue else { throw .schema("body_refs.\(key) must hold blob names") }
                    guard let v = table[n] else { throw .missingBlob(n) }
                    items.append(v)
                }
                body[key] = .array(items)
            default:
                throw .schema("body_refs.\(key) must be a blob name or a list of them")
            }
        }
        return body
    }
}
