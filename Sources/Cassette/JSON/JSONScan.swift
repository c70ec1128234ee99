import CScan

/// The byte scans shared by the JSON parser and serializer, over `CScan`'s kernels (sixteen
/// bytes at a time with SSE2 on x86-64): where the next byte that cannot stand for itself
/// inside a JSON string (`"`, `\` or a control byte below 0x20) is, and whether bytes are
/// well-formed UTF-8.
enum JSONScan {
    /// The index of the first byte in `p[from..<to]` that is `"`, `\` or below 0x20, or `to`.
    @inline(__always)
    static func specialIndex(_ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
        Int(td_special_index(p, from, to))
    }

    /// Whether `p[0..<n]` is well-formed UTF-8 (no overlong forms, surrogates or scalars past
    /// U+10FFFF): exactly the bytes `String(decoding:as:)` keeps without repair.
    @inline(__always)
    static func isValidUTF8(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool { td_valid_utf8(p, n) != 0 }
}
