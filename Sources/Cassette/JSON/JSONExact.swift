/// Byte-exact comparison of JSON values, and a cheap hash consistent with it.
enum JSONExact {
    /// Whether `a` and `b` serialize to the same bytes (same key order, same string and number bytes).
    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        // One switch per side, no tuple: matching a tuple of enums would copy both.
        switch a {
        case .null: return b.isNull
        case .bool(let x): if case .bool(let y) = b { return x == y }
        case .number(let x): if case .number(let y) = b { return sameBytes(x.text, y.text) }
        case .string(let x): if case .string(let y) = b { return sameBytes(x, y) }
        case .array(let x): if case .array(let y) = b { return x.count == y.count && equal(x, y) }
        case .object(let x):
            if case .object(let y) = b {
                guard x.count == y.count else { return false }
                for k in x.keys.indices where !sameBytes(x.keys[k], y.keys[k]) { return false }
                return equal(x.values, y.values)
            }
        }
        return false
    }

    /// Element-wise ``equal(_:_:)`` of two arrays of one length, read in place.
    private static func equal(_ x: [JSON], _ y: [JSON]) -> Bool {
        x.withUnsafeBufferPointer { a in
            y.withUnsafeBufferPointer { b in
                for k in a.indices where !equal(a[k], b[k]) { return false }
                return true
            }
        }
    }

    /// UTF-8 equality (`==` on strings compares canonical equivalence instead, which is wrong here).
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        let same = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
        }
        if let outer = same, let inner = outer { return inner }
        return a.utf8.elementsEqual(b.utf8)  // Bridged strings without contiguous UTF-8.
    }

    /// A hash of the shape of `v` and, for each string, its length and up to 24 of its bytes.
    static func sample(_ v: JSON) -> UInt64 {
        var acc: UInt64 = 0
        mix(v, &acc)
        return acc
    }

    @inline(__always) private static func step(_ acc: inout UInt64, _ x: UInt64) {
        acc = (acc ^ x) &* 0x9E37_79B9_7F4A_7C15
        acc ^= acc >> 29
    }

    private static func mix(_ v: JSON, _ acc: inout UInt64) {
        switch v {
        case .null: step(&acc, 1)
        case .bool(let b): step(&acc, b ? 2 : 3)
        case .number(let n): step(&acc, 4); mix(n.text, &acc)
        case .string(let s): step(&acc, 5); mix(s, &acc)
        case .array(let a):
            step(&acc, 6 | UInt64(a.count) << 8)
            a.withUnsafeBufferPointer { b in for k in b.indices { mix(b[k], &acc) } }
        case .object(let o):
            step(&acc, 7 | UInt64(o.count) << 8)
            for k in o.keys.indices { mix(o.keys[k], &acc) }
            o.values.withUnsafeBufferPointer { b in for k in b.indices { mix(b[k], &acc) } }
        }
    }

    private static func mix(_ s: String, _ acc: inout UInt64) {
        var s = s
        s.withUTF8 { b in
            step(&acc, UInt64(b.count))
            guard let p = b.baseAddress else { return }
            let raw = UnsafeRawPointer(p)
            if b.count >= 8 {
                step(&acc, raw.loadUnaligned(as: UInt64.self))
                step(&acc, raw.loadUnaligned(fromByteOffset: (b.count - 8) / 2, as: UInt64.self))
                step(&acc, raw.loadUnaligned(fromByteOffset: b.count - 8, as: UInt64.self))
            } else {
                var w: UInt64 = 0
                withUnsafeMutableBytes(of: &w) { $0.copyMemory(from: UnsafeRawBufferPointer(b)) }
                step(&acc, w)
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
