/// Stores the bulky, repeated parts of LLM requests once, by content hash.
///
/// Agents resend their whole history every turn. The encoder replaces each entry of
/// `messages` / `input`, and the whole `system`, `instructions` and `tools` values, by the
/// name of a blob written once; the decoder puts them back. The replaced keys stay in the
/// body as `null` placeholders so that key order survives, and `body_refs` says which.
///
/// A list of entries is itself stored as a delta: when a request's entries extend the
/// entries of an earlier request, `body_refs` names that earlier list (`base`) and lists only
/// the new entries (`add`). List names are chained hashes, so both sides compute them without
/// storing them: `id(empty) = ""` and `id(l + [e]) = name(id(l) + e)`.
public enum ContentDedup {
    /// Keys whose array elements are stored one blob each.
    public static let perElementKeys = ["messages", "input"]
    /// Keys whose whole value is stored as one blob.
    public static let wholeValueKeys = ["system", "instructions", "tools"]

    /// The chained list name after appending element `e` to the list named `id`.
    public static func chain(_ id: String, _ e: String) -> String {
        var id = id, e = e
        return id.withUTF8 { a in
            e.withUTF8 { b in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: a.count + b.count + 1) { buf in
                    let p = buf.baseAddress!  // Capacity is at least 1: non-nil.
                    if let s = a.baseAddress { p.update(from: s, count: a.count) }
                    if let s = b.baseAddress { (p + a.count).update(from: s, count: b.count) }
                    return XXH64.contentName(UnsafeRawBufferPointer(start: p, count: a.count + b.count))
                }
            }
        }
    }

    /// Splits a request body into its stored form, the reference table, and the blobs it needs.
    /// `lists` holds the names of entry lists already stored; new lists are added to it and
    /// their names appended to `added`. Blob names come from `cache`, which remembers the
    /// entries of earlier requests. Entries of a remembered list that this one extends were
    /// written with that list, so only the entries after it come back as blobs (the encoder
    /// forgets the remembered lists whenever a flush is taken back). `prefixes` gives, per
    /// key, the remembered prefix when the caller has already looked it up.
    public static func split(_ body: JSONObject, lists: inout Set<String>, added: inout [String],
                             cache: inout BlobNameCache,
                             prefixes: [String: (names: [String], ids: [String])] = [:]) -> (stored: JSONObject, refs: JSONObject, blobs: [Blob]) {
        var stored = body
        var refs = JSONObject()
        var blobs: [Blob] = []
        for key in perElementKeys {
            guard case .array(let items)? = body[key], !items.isEmpty else { continue }
            // Names and chained list names: those of a recent list this one extends, then the rest.
            var (names, ids) = prefixes[key] ?? cache.knownPrefix(of: items)
            let known = names.count
            names.reserveCapacity(items.count)
            ids.reserveCapacity(items.count + 1)
            for item in items[known...] {
                let n = cache.name(of: item)
                names.append(n)
                ids.append(chain(ids[ids.count - 1], n))
                blobs.append(Blob(hash: n, value: item))
            }
            cache.rememberList(items, names: names, ids: ids)
            // The longest earlier list this one extends.
            var base = 0
            for k in stride(from: items.count, through: 1, by: -1) where lists.contains(ids[k]) { base = k; break }
            if lists.insert(ids[items.count]).inserted { added.append(ids[items.count]) }
            if base == 0 {
                refs[key] = .array(names.map { .string($0) })
            } else {
                refs[key] = .obj([("base", .string(ids[base])), ("add", .array(names[base...].map { .string($0) }))])
            }
            stored[key] = .null
        }
        for key in wholeValueKeys {
            guard let v = body[key] else { continue }
            switch v {
            case .null: continue
            case .string(let s) where s.utf8.count < 64: continue
            default: break
            }
            let n = cache.name(of: v)
            blobs.append(Blob(hash: n, value: v))
            refs[key] = .string(n)
            stored[key] = .null
        }
        return (stored, refs, blobs)
    }

    /// The decoder's memory of entry lists: each list as its base list plus the entries it added.
    public struct ListTable: Sendable {
        var nodes: [BlobName: (base: BlobName, add: [BlobName])] = [:]
        /// The entries of lists registered lately (at most ``recentLimit``; then it starts over).
        var recentItems: [BlobName: [JSON]] = [:]
        static let recentLimit = 1024
        /// An empty table.
        public init() {}

        /// The element names of the list `id`.
        func elements(_ id: BlobName) throws(CassetteError) -> [BlobName] {
            var chainParts: [[BlobName]] = []
            var cur = id
            while !cur.text.isEmpty {
                guard let n = nodes[cur] else { throw .schema("body_refs names an entry list \(cur.text) that no earlier request stored") }
                chainParts.append(n.add)
                cur = n.base
            }
            return chainParts.reversed().flatMap { $0 }
        }

        /// Records a list given as `base` + `add` and returns its entries, looked up in `table`.
        /// The entries of recent lists are kept, so a list that extends one costs only its new entries.
        mutating func register(base: BlobName, add: [BlobName], table: [BlobName: JSON]) throws(CassetteError) -> [JSON] {
            var items: [JSON] = []
            // The base's entries are taken out, not copied: a conversation extends its last
            // list once, so appending to the same storage is linear over the conversation.
            // A later list with the same base (a retry, a fork) rebuilds it from the chain.
            if let known = recentItems.removeValue(forKey: base) { items = known } else {
                let prefix = try elements(base)
                items.reserveCapacity(prefix.count + add.count)
                for n in prefix {
                    guard let v = table[n] else { throw .missingBlob(n.text) }
                    items.append(v)
                }
            }
            for n in add {
                guard let v = table[n] else { throw .missingBlob(n.text) }
                items.append(v)
            }
            var id = base.text
            for e in add { id = chain(id, e.text) }
            if !id.isEmpty {
                let key = BlobName(id)
                if nodes[key] == nil { nodes[key] = (base, add) }
                if recentItems.count >= Self.recentLimit { recentItems.removeAll(keepingCapacity: true) }
                recentItems[key] = items
            }
            return items
        }
    }

    /// One member of `body_refs`: a whole value stored as one blob, or a list of entries given as
    /// an earlier list (`base`, empty for none) plus the entries it adds.
    public enum Ref: Sendable, Equatable {
        /// A value stored as one blob.
        case blob(BlobName)
        /// A list: the entries of list `base`, then the blobs `add`.
        case list(base: BlobName, add: [BlobName])
    }

    /// Reads one member of `body_refs`, or says what is wrong with it.
    static func ref(_ ref: JSON, key: String) throws(CassetteError) -> Ref {
        switch ref {
        case .string(let n): return .blob(BlobName(n))
        case .array, .object:
            var base = BlobName.empty
            var add: [JSON] = []
            if case .array(let a) = ref { add = a } else {
                guard let b = ref["base"]?.stringValue, let a = ref["add"]?.arrayValue else {
                    throw .schema("body_refs.\(key) must be a list of blob names or {base, add}")
                }
                base = BlobName(b); add = a
            }
            var names: [BlobName] = []
            names.reserveCapacity(add.count)
            for nj in add {
                guard let n = nj.stringValue else { throw .schema("body_refs.\(key) must hold blob names") }
                names.append(BlobName(n))
            }
            return .list(base: base, add: names)
        default:
            throw .schema("body_refs.\(key) must be a blob name, a list of them, or {base, add}")
        }
    }

    /// Puts back the value of member `key` that `ref` names, looking blobs up in `table`.
    static func apply(_ ref: Ref, key: String, to body: inout JSONObject, table: [BlobName: JSON],
                      lists: inout ListTable) throws(CassetteError) {
        switch ref {
        case .blob(let n):
            guard let v = table[n] else { throw .missingBlob(n.text) }
            body[key] = v
        case .list(let base, let add):
            body[key] = .array(try lists.register(base: base, add: add, table: table))
        }
    }

    /// Rebuilds a body from its stored form and references, looking blobs up in `table`.
    public static func join(_ stored: JSONObject, refs: JSONObject, table: [BlobName: JSON], lists: inout ListTable) throws(CassetteError) -> JSONObject {
        var body = stored
        for (key, r) in refs { try apply(try ref(r, key: key), key: key, to: &body, table: table, lists: &lists) }
        return body
    }

    /// Rebuilds a body in place from references already read (the reader's fast path).
    static func join(_ body: inout JSONObject, refs: [(key: String, ref: Ref)], table: [BlobName: JSON],
                     lists: inout ListTable) throws(CassetteError) {
        for (key, r) in refs { try apply(r, key: key, to: &body, table: table, lists: &lists) }
    }
}
