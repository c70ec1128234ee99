extension JSON {
    /// Serializes compactly into `out`, keeping key order. With `sortedKeys`, object keys are
    /// sorted by their UTF-8 bytes: the canonical form used for hashing and matching.
    public func write(into out: inout [UInt8], sortedKeys: Bool = false) {
        switch self {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(let b): b ? out.append(contentsOf: [0x74, 0x72, 0x75, 0x65]) : out.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        case .number(let n): out.append(contentsOf: n.text.utf8)
        case .string(let s): JSON.writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            var first = true
            for v in a {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                v.write(into: &out, sortedKeys: sortedKeys)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            if sortedKeys {
                let order = o.keys.indices.sorted { o.keys[$0].utf8.lexicographicallyPrecedes(o.keys[$1].utf8) }
                var first = true
                for idx in order {
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    JSON.writeString(o.keys[idx], into: &out)
                    out.append(UInt8(ascii: ":"))
                    o.values[idx].write(into: &out, sortedKeys: true)
                }
            } else {
                for idx in o.keys.indices {
                    if idx > 0 { out.append(UInt8(ascii: ",")) }
                    JSON.writeString(o.keys[idx], into: &out)
                    out.append(UInt8(ascii: ":"))
                    o.values[idx].write(into: &out, sortedKeys: false)
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

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

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
    public static func writeEscaped(_ buf: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        var runStart = 0
        var k = 0
        let n = buf.count
        while k < n {
            let c = buf[k]
            if c >= 0x20 && c != 0x22 && c != 0x5C { k += 1; continue }
            if k > runStart { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[runStart..<k])) }
            switch c {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            default:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xF)]])
            }
            k += 1
            runStart = k
        }
        if n > runStart { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[runStart..<n])) }
    }
}

extension JSON: CustomStringConvertible {
    public var description: String { text() }
}
