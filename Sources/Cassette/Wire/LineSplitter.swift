/// Splits a byte stream into newline-terminated lines (the MCP stdio framing), across reads
/// of any size. `\r\n` endings lose their `\r`. Empty lines are skipped.
public struct LineSplitter: Sendable {
    var partial: [UInt8] = []
    /// Bytes waiting for their line end.
    public var pendingBytes: Int { partial.count }

    /// A fresh splitter.
    public init() {}

    /// Feeds bytes; calls `onLine` with each complete line, without its terminator.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, onLine: ([UInt8]) -> Void) {
        var start = 0
        for i in 0..<bytes.count where bytes[i] == 0x0A {
            partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
            emit(onLine)
            start = i + 1
        }
        if start < bytes.count { partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start...])) }
    }

    /// Feeds a byte array.
    public mutating func feed(_ bytes: [UInt8], onLine: ([UInt8]) -> Void) {
        bytes.withUnsafeBytes { feed($0, onLine: onLine) }
    }

    /// Ends the stream: a last line without a terminator is delivered.
    public mutating func finish(onLine: ([UInt8]) -> Void) {
        if !partial.isEmpty { emit(onLine) }
    }

    mutating func emit(_ onLine: ([UInt8]) -> Void) {
        if partial.last == 0x0D { partial.removeLast() }
        if !partial.isEmpty { onLine(partial) }
        partial.removeAll(keepingCapacity: true)
    }
}
