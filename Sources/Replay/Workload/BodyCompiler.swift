import Cassette
import NIOCore

/// A request body compiled into shared pieces, with what trajectory linking needs.
struct CompiledBody {
    /// The pieces, in order.
    var pieces: [BodyPiece]
    /// A content hash per element of `messages` / `input`, for linking turns by shared prefix.
    var messageKeys: [UInt64]
    /// Message index → piece index, for assistant messages (``HistoryMode/live``).
    var assistantPieces: [Int: Int]
    /// Whether a nonce site was found.
    var hasNonce: Bool
}

/// Rewrites a recorded request body for replay and splits it into shared pieces.
///
/// The model, streaming, usage reporting and output length are set by the policy; the bulky
/// members (each message, the tools, the system prompt) become interned pieces, so turns that
/// resend the same history share its bytes. The nonce goes at the start of the first text of
/// the system prompt (or first message) and before the first tool's description, so that it
/// leads the rendered prompt whichever of the two a chat template puts first.
struct BodyCompiler {
    var interner = ByteInterner()

    static let perElementKeys: Set<String> = ["messages", "input"]
    static let wholeValueKeys: Set<String> = ["system", "instructions", "tools"]

    /// Applies the policy's overrides to a body.
    static func rewrite(_ body: JSONObject, dialect: Dialect, policy: TrafficPolicy, recordedOutput: Int) -> JSONObject {
        var o = body
        if let m = policy.model { o["model"] = .string(m) }
        o["stream"] = true
        let maxTokens = policy.maxTokens(recorded: recordedOutput)
        switch dialect {
        case .openaiChat, .openaiCompletions:
            var so = o["stream_options"]?.objectValue ?? JSONObject()
            so["include_usage"] = true
            o["stream_options"] = .object(so)
            o[o["max_completion_tokens"] != nil ? "max_completion_tokens" : "max_tokens"] = .int(maxTokens)
            if policy.outputLength == .recorded { o["ignore_eos"] = true }
        case .openaiResponses:
            o["max_output_tokens"] = .int(maxTokens)
        case .anthropicMessages:
            o["max_tokens"] = .int(maxTokens)
        default: break
        }
        return o
    }

    /// Which top-level key carries the nonce for a body.
    static func nonceKey(_ o: JSONObject, dialect: Dialect) -> String? {
        switch dialect {
        case .anthropicMessages:
            if let s = o["system"], mark(s) != nil { return "system" }
            return "messages"
        case .openaiResponses:
            if let s = o["instructions"], mark(s) != nil { return "instructions" }
            return "input"
        case .openaiCompletions: return "prompt"
        default: return "messages"
        }
    }

    /// The tools with the nonce marker before the first tool's description (added when it has none),
    /// for templates that render tool definitions before the system prompt.
    static func markTools(_ v: JSON) -> JSON? {
        guard case .array(var tools) = v, case .object(var first)? = tools.first else { return nil }
        let marker = String(decoding: Nonce.marker, as: UTF8.self)
        if case .object(var fn)? = first["function"] {
            fn["description"] = .string(marker + (fn["description"]?.stringValue ?? ""))
            first["function"] = .object(fn)
        } else {
            first["description"] = .string(marker + (first["description"]?.stringValue ?? ""))
        }
        tools[0] = .object(first)
        return .array(tools)
    }

    /// The value with the nonce marker put before its first text; `nil` when it has no text.
    static func mark(_ v: JSON) -> JSON? {
        switch v {
        case .string(let s): return .string(String(decoding: Nonce.marker, as: UTF8.self) + s)
        case .array(var a):
            for i in a.indices { if let m = mark(a[i]) { a[i] = m; return .array(a) } }
            return nil
        case .object(var o):
            for key in ["content", "text"] {
                if let inner = o[key], let m = mark(inner) { o[key] = m; return .object(o) }
            }
            return nil
        default: return nil
        }
    }

    /// Compiles one request body.
    mutating func compile(_ body: JSONObject, dialect: Dialect) -> CompiledBody {
        var out = CompiledBody(pieces: [], messageKeys: [], assistantPieces: [:], hasNonce: false)
        var pending: [UInt8] = [UInt8(ascii: "{")]
        let nonceKey = Self.nonceKey(body, dialect: dialect)
        func flush() {
            if !pending.isEmpty { out.pieces.append(.bytes(interner.intern(pending))); pending.removeAll(keepingCapacity: true) }
        }
        func emit(_ bytes: [UInt8]) { flush(); out.pieces.append(.bytes(interner.intern(bytes))) }
        /// Serializes `v`, splitting at the nonce marker when `withNonce` and one was placed.
        func emitValue(_ v: JSON, withNonce: Bool, prefix: [UInt8] = [], marking: (JSON) -> JSON? = Self.mark) {
            var bytes = prefix
            if withNonce, let marked = marking(v) {
                marked.write(into: &bytes)
                if let at = Self.find(Nonce.marker, in: bytes) {
                    pending += bytes[..<at]
                    flush()
                    out.pieces.append(.nonce)
                    out.hasNonce = true
                    emit(Array(bytes[(at + Nonce.marker.count)...]))
                    return
                }
                bytes = prefix
            }
            v.write(into: &bytes)
            if bytes.count < 256 { pending += bytes } else { emit(bytes) }
        }
        var first = true
        for (key, value) in body {
            if !first { pending.append(UInt8(ascii: ",")) }
            first = false
            JSON.writeString(key, into: &pending)
            pending.append(UInt8(ascii: ":"))
            let nonceHere = key == nonceKey
            if Self.perElementKeys.contains(key), case .array(let items) = value {
                pending.append(UInt8(ascii: "["))
                for (i, item) in items.enumerated() {
                    let prefix: [UInt8] = i == 0 ? [] : [UInt8(ascii: ",")]
                    var plain = prefix
                    item.write(into: &plain)
                    out.messageKeys.append(XXH64.hash(Array(plain[prefix.count...])))
                    if i == 0 && nonceHere {
                        emitValue(item, withNonce: true)
                        continue
                    }
                    flush()
                    if item["role"]?.stringValue == "assistant" { out.assistantPieces[i] = out.pieces.count }
                    out.pieces.append(.bytes(interner.intern(plain)))
                }
                pending.append(UInt8(ascii: "]"))
            } else if key == "tools" {
                emitValue(value, withNonce: true, marking: Self.markTools)
            } else if Self.wholeValueKeys.contains(key) || nonceHere {
                emitValue(value, withNonce: nonceHere)
            } else {
                value.write(into: &pending)
            }
        }
        pending.append(UInt8(ascii: "}"))
        flush()
        return out
    }

    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard needle.count <= hay.count, let f = needle.first else { return nil }
        var i = 0
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == f, hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
