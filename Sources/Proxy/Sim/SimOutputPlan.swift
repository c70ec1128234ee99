import Foundation
import Cassette

/// Why a response ended.
public enum SimFinish: String, Sendable, Equatable {
    /// The model stopped by itself.
    case stop
    /// The token limit was reached.
    case length
    /// The model called tools.
    case toolCalls
}

/// One output token: a piece of answer text or a piece of a tool call's arguments.
public enum SimOutputToken: Sendable, Equatable {
    /// Answer text.
    case text(String)
    /// Arguments text of tool call `call`; `first` marks the token that opens the call.
    case toolArguments(call: Int, piece: String, first: Bool)
}

/// What a response will contain, decided when the request arrives: deterministic from the
/// seed and the request, with random access to every token so that no stream stores its text.
public struct SimOutputPlan: Sendable, Equatable {
    enum Text: Sendable, Equatable {
        case lorem(seed: UInt64)
        case pieces([String])
    }

    var text: Text
    /// Text tokens before the tool calls.
    public private(set) var textTokens: Int
    /// The tool calls, with their full arguments.
    public private(set) var toolCalls: [SimToolCall]
    var toolPieces: [[String]]
    /// Tokens in the response (text plus tool-call arguments).
    public private(set) var tokenCount: Int
    /// Why the response ends.
    public private(set) var finish: SimFinish

    /// The token at `index` (0-based, below `tokenCount`).
    public func token(_ index: Int) -> SimOutputToken {
        if index < textTokens {
            switch text {
            case .lorem(let seed): return .text(SimLorem.piece(index, seed: seed))
            case .pieces(let p): return .text(p[index % p.count])
            }
        }
        var k = index - textTokens
        for (c, pieces) in toolPieces.enumerated() {
            if k < pieces.count { return .toolArguments(call: c, piece: pieces[k], first: k == 0) }
            k -= pieces.count
        }
        return .text("")
    }

    /// The answer text of the first `textTokens` tokens, or of `upTo` tokens.
    public func fullText(upTo limit: Int? = nil) -> String {
        let n = min(textTokens, limit ?? textTokens)
        var s = ""
        for i in 0..<n { if case .text(let t) = token(i) { s += t } }
        return s
    }

    /// The arguments of tool call `call` as far as `limit` tokens of the whole response reach.
    public func arguments(of call: Int, upTo limit: Int? = nil) -> String {
        var start = textTokens
        for c in 0..<call { start += toolPieces[c].count }
        let end = min(start + toolPieces[call].count, limit ?? Int.max)
        guard end > start else { return "" }
        return toolPieces[call][0..<(end - start)].joined()
    }

    /// The tool calls opened within the first `limit` tokens.
    public func openedToolCalls(upTo limit: Int? = nil) -> Int {
        var start = textTokens, n = 0
        for p in toolPieces {
            if start < (limit ?? Int.max) { n += 1 }
            start += p.count
        }
        return n
    }

    /// Plans a response.
    ///
    /// - `maxTokens`: the request's limit; `ignoreEOS` makes lorem and echo answers exactly that long.
    /// - `allowTools`: false for dialects without tool calls (legacy completions).
    public static func make(output: SimOutputConfig, conversation: SimConversation, model: String, maxTokens: Int?,
                            ignoreEOS: Bool, allowTools: Bool, seed: UInt64, requestHash: UInt64) -> SimOutputPlan {
        var rng = SplitMix64(seed: seed ^ requestHash)
        let span = UInt64(max(0, output.maxTokens - output.minTokens) + 1)
        let natural = output.minTokens + Int(rng.next() % span)
        let loremSeed = rng.next()
        let idSeed = rng.next()

        func lengthOf(_ natural: Int) -> (Int, SimFinish) {
            if let m = maxTokens {
                if ignoreEOS { return (m, .length) }
                return natural > m ? (m, .length) : (natural, .stop)
            }
            return (natural, .stop)
        }

        switch output.content {
        case .lorem:
            let (n, f) = lengthOf(natural)
            return SimOutputPlan(text: .lorem(seed: loremSeed), textTokens: n, toolCalls: [], toolPieces: [], tokenCount: n, finish: f)
        case .echo:
            var src = SimTokenizer.tokens(conversation.lastUserText)
            if src.isEmpty { src = [SimLorem.piece(0, seed: loremSeed)] }
            let (n, f) = lengthOf(src.count)
            return SimOutputPlan(text: .pieces(src), textTokens: n, toolCalls: [], toolPieces: [], tokenCount: n, finish: f)
        case .script(let script):
            guard let rule = script.match(conversation) else {
                var o = output
                o.content = .lorem
                return make(output: o, conversation: conversation, model: model, maxTokens: maxTokens, ignoreEOS: ignoreEOS,
                            allowTools: allowTools, seed: seed, requestHash: requestHash)
            }
            let text = SimScriptText.expand(rule.text, conversation: conversation, model: model)
            var pieces = SimTokenizer.tokens(text)
            var calls: [SimToolCall] = []
            var callPieces: [[String]] = []
            if allowTools {
                for (k, c) in rule.toolCalls.enumerated() {
                    let args = c.arguments.isEmpty ? "{}" : c.arguments
                    calls.append(SimToolCall(id: SimIDs.callID(idSeed, k), name: c.name, arguments: args))
                    callPieces.append(SimTokenizer.tokens(args))
                }
            } else if pieces.isEmpty {
                pieces = SimTokenizer.tokens(rule.toolCalls.map { $0.name + $0.arguments }.joined(separator: "\n"))
            }
            let total = pieces.count + callPieces.reduce(0) { $0 + $1.count }
            var n = max(1, total), finish: SimFinish = calls.isEmpty ? .stop : .toolCalls
            if pieces.isEmpty && calls.isEmpty { pieces = ["."] }
            if let m = maxTokens, m < n { n = m; finish = .length }
            return SimOutputPlan(text: .pieces(pieces), textTokens: min(pieces.count, n), toolCalls: calls,
                                 toolPieces: trim(callPieces, to: n - min(pieces.count, n)), tokenCount: n, finish: finish)
        }
    }

    static func trim(_ pieces: [[String]], to budget: Int) -> [[String]] {
        var left = budget
        var out: [[String]] = []
        for p in pieces where left > 0 {
            out.append(Array(p.prefix(left)))
            left -= min(left, p.count)
        }
        return out
    }
}

/// Placeholder expansion in script answers.
enum SimScriptText {
    static func expand(_ text: String, conversation: SimConversation, model: String) -> String {
        guard text.contains("{{") else { return text }
        let lastTool = conversation.messages.last(where: { $0.role == .tool })?.text ?? ""
        return text.replacingOccurrences(of: "{{tool_result}}", with: lastTool)
            .replacingOccurrences(of: "{{user}}", with: conversation.lastUserText)
            .replacingOccurrences(of: "{{model}}", with: model)
    }
}

