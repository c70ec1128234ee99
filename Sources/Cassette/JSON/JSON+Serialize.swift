import CScan

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
    /// Bytes that need no escape are copied whole. Otherwise the output grows by room for the
    /// escaped text (a quarter more than the input, more if that fills up) and `CScan`'s
    /// escaper writes into it sixteen bytes at a time; the unused room is dropped.
    public static func writeEscaped(_ buf: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        guard let p = buf.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let n = buf.count
        let first = JSONScan.specialIndex(p, from: 0, to: n)
        if first == n { out.append(contentsOf: UnsafeBufferPointer(start: p, count: n)); return }
        out.append(contentsOf: UnsafeBufferPointer(start: p, count: first))
        var r = first
        while r < n {
            // JSON text in strings, as in SSE bodies, grows by about a sixth.
            let left = n - r
            let room = left + left / 4 + 32
            let start = out.count
            out.append(contentsOf: repeatElement(0, count: room))
            var consumed = 0
            let written = out.withUnsafeMutableBufferPointer { d in
                td_escape(p + r, left, d.baseAddress! + start, room, &consumed)  // Non-empty: room > 0 was just appended.
            }
            out.removeLast(room - written)
            r += consumed
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

    @inline(__always) static func appendLiteral(_ s: StaticString, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
}

extension JSON: CustomStringConvertible {
    public var description: String { text() }
}
