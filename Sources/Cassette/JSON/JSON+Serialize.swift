extension JSON {
    /// Serializes compactly into `out`, keeping key order. With `sortedKeys`, object keys are
    /// sorted by their UTF-8 bytes: the canonical form used for hashing and matching.
    public func write(into out: inout [UInt8], sortedKeys: Bool = false) {
        switch self {
        case .null: JSON.appendLiteral("null", into: &out)
        case .bool(let b): JSON.appendLiteral(b ? "true" : "false", into: &out)
        case .number(let n):
            var t = n.text
            t.withUTF8 { out.append(contentsOf: $0) }
        case .string(let s): JSON.writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            // Elements are written in place through the buffer, not copied out one by one.
            a.withUnsafeBufferPointer { b in
                for k in b.indices {
                    if k > 0 { out.append(UInt8(ascii: ",")) }
                    b[k].write(into: &out, sortedKeys: sortedKeys)
                }
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            if sortedKeys {
                let order = o.keys.indices.sorted { JSON.utf8Precedes(o.keys[$0], o.keys[$1]) }
                var first = true
                for idx in order {
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    JSON.writeString(o.keys[idx], into: &out)
                    out.append(UInt8(ascii: ":"))
                    o.values[idx].write(into: &out, sortedKeys: true)
                }
            } else {
                o.keys.withUnsafeBufferPointer { keys in
                    o.values.withUnsafeBufferPointer { values in
                        for k in keys.indices {
                            if k > 0 { out.append(UInt8(ascii: ",")) }
                            JSON.writeString(keys[k], into: &out)
                            out.append(UInt8(ascii: ":"))
                            values[k].write(into: &out, sortedKeys: false)
                        }
                    }
                }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Compact serialization as bytes.
    public func serialized(sortedKeys: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out, sortedKeys: sortedKeys)
        return out
    }

    /// Compact serialization as a string.
    public func text(sortedKeys: Bool = false) -> String {
        String(decoding: serialized(sortedKeys: sortedKeys), as: UTF8.self)
    }

    /// Pretty-printed serialization, two-space indented, for people.
    public func prettyText(indent: Int = 0) -> String {
        var out = ""
        writePretty(into: &out, level: indent)
        return out
    }

    private func writePretty(into out: inout String, level: Int) {
        let pad = String(repeating: "  ", count: level)
        let padIn = String(repeating: "  ", count: level + 1)
        switch self {
        case .array(let a) where !a.isEmpty:
            out += "[\n"
            for (k, v) in a.enumerated() {
                out += padIn
                v.writePretty(into: &out, level: level + 1)
                out += k == a.count - 1 ? "\n" : ",\n"
            }
            out += pad + "]"
        case .object(let o) where !o.isEmpty:
            out += "{\n"
            for (k, key) in o.keys.enumerated() {
                out += padIn + JSON.string(key).text() + ": "
                o.values[k].writePretty(into: &out, level: level + 1)
                out += k == o.count - 1 ? "\n" : ",\n"
            }
            out += pad + "}"
        default:
            out += text()
        }
    }

    /// Appends `s` as a quoted JSON string with the minimal escapes.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { buf in
            writeEscaped(UnsafeRawBufferPointer(buf), into: &out)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends raw UTF-8 bytes escaped for the inside of a JSON string (no quotes).
    ///
    /// The bytes are copied whole; when some need escapes, the extra room is counted, added
    /// once, and the tail from the first escape on is rewritten in place with pointer writes.
    public static func writeEscaped(_ buf: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        guard let p = buf.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let n = buf.count
        let first = JSONScan.specialIndex(p, from: 0, to: n)
        if first == n { out.append(contentsOf: UnsafeBufferPointer(start: p, count: n)); return }
        // Escape in one pass into room for a quarter more (JSON text in strings, as in SSE
        // bodies, needs about a sixth), and fall back to counting first when that is not enough.
        let room = n + n / 4 + 16
        let done = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: room) { t -> Bool in
            let d = t.baseAddress!  // Capacity >= 16: non-nil.
            d.update(from: p, count: first)
            var w = first, r = first
            while r < n {
                // Six bytes for this escape and eight for copyPlain's whole-word stores.
                guard w + 14 <= room else { return false }
                w += escape(p[r], into: d + w)
                r += 1
                JSONScan.copyPlain(p, &r, n, d, &w, limit: room)
                if w + 8 > room, r < n { return false }
            }
            out.append(contentsOf: UnsafeBufferPointer(start: d, count: w))
            return true
        }
        if done { return }
        out.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        let extra = JSONScan.escapedExtra(p, from: first, to: n)
        let start = out.count - n
        out.append(contentsOf: repeatElement(0, count: extra))
        out.withUnsafeMutableBufferPointer { dst in
            let d = dst.baseAddress!  // Non-empty: it holds the n bytes just appended.
            var w = start + first, r = first
            while r < n {
                w += escape(p[r], into: d + w)
                r += 1
                // The output ends extra bytes past the input's end, and w - start - r never
                // exceeds the extra bytes used so far: whole-word stores stay inside it.
                JSONScan.copyPlain(p, &r, n, d, &w)
            }
        }
    }

    /// Writes the escape for one byte that needs one; returns its length (2 or 6).
    @inline(__always) static func escape(_ c: UInt8, into d: UnsafeMutablePointer<UInt8>) -> Int {
        d[0] = 0x5C
        switch c {
        case 0x22, 0x5C: d[1] = c; return 2
        case 0x0A: d[1] = UInt8(ascii: "n"); return 2
        case 0x0D: d[1] = UInt8(ascii: "r"); return 2
        case 0x09: d[1] = UInt8(ascii: "t"); return 2
        default:
            d[1] = UInt8(ascii: "u"); d[2] = 0x30; d[3] = 0x30
            d[4] = hexDigit(c >> 4); d[5] = hexDigit(c & 0xF)
            return 6
        }
    }

    /// Whether `a` comes before `b` in the order of their UTF-8 bytes.
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                for k in 0..<min(x.count, y.count) where x[k] != y[k] { return x[k] < y[k] }
                return x.count < y.count
            }
        }
    }

    @inline(__always) static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }

    @inline(__always) static func appendLiteral(_ s: StaticString, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
}

extension JSON: CustomStringConvertible {
    public var description: String { text() }
}
