import Testing
@testable import Cassette

@Suite struct RedactionTests {
    static let secret = "sk-proj-SECRETSECRETSECRET0123456789"

    func exchangeFullOfSecrets() -> Exchange {
        var ex = Exchange(id: "x1", startUnixNs: 1, startMonoNs: 1, request: RequestRecord(
            method: "POST", url: "/v1/chat/completions?key=\(Self.secret)&ok=1",
            headers: [Header("Authorization", "Bearer \(Self.secret)"), Header("x-api-key", Self.secret), Header("api-key", "azure-1234"),
                      Header("Cookie", "session=abc"), Header("X-Custom-Token", "custom-secret-value")],
            body: .json(["model": "m", "metadata": ["user_id": "u-4242"], "messages": [["role": "user", "content": .string("my key is \(Self.secret)")]]], .compact)))
        ex.response = ResponseRecord(status: 200, headers: [Header("Set-Cookie", "sid=zzz")], body: .text("echo \(Self.secret) ticket T-99881"),
                                     chunks: [Chunk(length: 5, tNs: 1), Chunk(length: "echo \(Self.secret) ticket T-99881".utf8.count - 5, tNs: 2)])
        return ex
    }

    func rawText(_ bytes: [UInt8]) throws -> String {
        var out: [UInt8] = []
        let d = LZ4FrameDecoder()
        try bytes.withUnsafeBytes { try d.feed($0) { c, _ in out.append(contentsOf: c) } }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func defaultsKeepSecretsOffDisk() throws {
        let bytes = Fixtures.encode([.exchange(exchangeFullOfSecrets())], redactor: Redactor())
        let text = try rawText(bytes)
        #expect(!text.contains(Self.secret))
        #expect(!text.contains("SECRETSECRET"))
        #expect(!text.contains("azure-1234"))
        #expect(!text.contains("session=abc"))
        #expect(!text.contains("sid=zzz"))
        #expect(text.contains("[REDACTED]"))
        // Undeclared data stays.
        #expect(text.contains("u-4242") && text.contains("custom-secret-value") && text.contains("ok=1"))
        // Chunk lengths still add up after the body shrank.
        #expect(Fixtures.decode(bytes).error == nil)
    }

    @Test func configuredHeadersPathsAndPatterns() throws {
        var r = Redactor()
        try r.add(headers: ["X-Custom-Token"], jsonPaths: ["metadata.user_id"], patterns: ["T-[0-9]+"])
        let text = try rawText(Fixtures.encode([.exchange(exchangeFullOfSecrets())], redactor: r))
        #expect(!text.contains("custom-secret-value"))
        #expect(!text.contains("u-4242"))
        #expect(!text.contains("T-99881"))
    }

    /// The block scan for `sk-` finds exactly what a byte loop finds, at every offset and near
    /// both ends (texts shorter than a key never hold one).
    @Test func keyScanMatchesAByteLoop() {
        var rng = SplitMix64(seed: 31)
        let pieces = ["s", "k", "-", "sk", "k-", "sk-", "x", "chatcmpl-", "ask", "risk-free", "é"]
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<Int(rng.next() % 40) { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
            let b = Array(text.utf8)
            let expected = b.count >= 23 && (0..<max(0, b.count - 2)).contains { b[$0] == 0x73 && b[$0 + 1] == 0x6B && b[$0 + 2] == 0x2D }
            #expect(SecretScanner.mayHoldKey(text) == expected, "\(text)")
        }
    }

    /// The header's meta holds command lines (`run`'s agent, `mcp-stdio`'s server): a key given
    /// as an argument is caught by the default heuristic, and patterns apply there too.
    @Test func commandLinesInTheHeaderAreRedacted() throws {
        var r = Redactor()
        try r.add(patterns: ["T-[0-9]+"])
        let agent: [JSON] = ["python", "agent.py", "--key", .string(Self.secret), "--ticket", "T-99881"]
        var header = CassetteHeader(tool: "test", createdUnixNs: 1)
        header.meta["command"] = "run"
        header.meta["agent"] = .array(agent)
        header.meta["routes"] = .obj([("/", "http://127.0.0.1:9")])
        let bytes = Fixtures.encode([.header(header), .exchange(exchangeFullOfSecrets())], redactor: r)
        let text = try rawText(bytes)
        #expect(!text.contains(Self.secret) && !text.contains("T-99881"))
        #expect(text.contains("agent.py") && text.contains("http://127.0.0.1:9"))
        // Without text rules the header is written as it is.
        let plain = try rawText(Fixtures.encode([.header(header)], redactor: .disabled))
        #expect(plain.contains(Self.secret))
    }

    /// A conversation whose turns resend their history: the encoder skips redacting entries
    /// equal to ones it already wrote, so a secret resent in history, or added late, must still
    /// never reach the file, and the records must still come back whole.
    @Test func secretsInResentHistoryStayOffDisk() throws {
        var messages: [JSON] = [["role": "system", "content": "be careful"], ["role": "user", "content": "task"]]
        var records: [Record] = []
        for turn in 0..<6 {
            if turn == 2 { messages.append(["role": "tool", "content": .string("found \(Self.secret) in env")]) }
            messages.append(["role": "assistant", "content": .string("step \(turn)")])
            let ex = Exchange(id: "x\(turn)", startUnixNs: 1, startMonoNs: Int64(turn), request: RequestRecord(
                method: "POST", url: "/v1/chat/completions", body: .json(["model": "m", "messages": .array(messages)], .compact)))
            records.append(.exchange(ex))
        }
        for redactor in [Redactor(), { var r = Redactor(); try? r.add(patterns: ["RED"]); return r }()] {
            let bytes = Fixtures.encode(records, perFrame: 3, redactor: redactor)
            let text = try rawText(bytes)
            #expect(!text.contains("SECRETSECRET"))
            let (decoded, error) = Fixtures.decode(bytes)
            #expect(error == nil)
            #expect(decoded.count == records.count + 1)
            // Every turn holds its whole history, with the secret replaced from turn 2 on.
            for (k, r) in decoded.dropFirst().enumerated() {
                guard case .exchange(let ex) = r, case .json(let body, _) = ex.request.body else { Issue.record("turn \(k)"); continue }
                let items = body["messages"]?.arrayValue ?? []
                #expect(items.count == 3 + k + (k >= 2 ? 1 : 0))
                #expect(!body.text().contains(Self.secret))
                if k >= 2 { #expect(body.text().contains("found [") ) }
            }
        }
    }

    @Test func badRulesAreErrors() {
        var r = Redactor()
        #expect(throws: CassetteError.self) { try r.add(patterns: ["(unclosed"]) }
        #expect(throws: CassetteError.self) { try r.add(jsonPaths: ["a..b"]) }
    }

    @Test func jsonPathSelectsAndReplaces() throws {
        var v: JSON = ["messages": [["content": "a"], ["content": "b"]], "x": [1, 2]]
        let p = try JSONPathPattern("$.messages[*].content")
        #expect(p.select(v) == ["a", "b"])
        p.replace(in: &v, with: "z")
        #expect(v["messages"]?[1]?["content"] == "z")
        #expect(try JSONPathPattern("x[1]").select(v) == [2])
    }
}

/// Header names are matched against the redacted list without case, both when the list is
/// short (compared one by one) and when it is long (a set lookup).
@Suite struct RedactedHeaderNameTests {
    @Test func shortAndLongListsAgree() throws {
        var short = Redactor()
        try short.add(headers: ["X-Custom-Secret"])
        var long = Redactor()
        try long.add(headers: ["X-Custom-Secret"] + (0..<20).map { "x-extra-\($0)" })
        let names = ["authorization", "Authorization", "AUTHORIZATION", "x-api-key", "X-Api-Key", "cookie", "Set-Cookie",
                     "x-custom-secret", "X-CUSTOM-SECRET", "content-type", "authorizatio", "authorizationx", "host", "",
                     "x-goog-api-key", "api-key", "proxy-authorization", "x-extra-3", "cookies"]
        for n in names {
            let want = short.headers.contains(n.lowercased())
            #expect(short.isRedactedHeader(n) == want, "\(n)")
            #expect(long.isRedactedHeader(n) == long.headers.contains(n.lowercased()), "\(n)")
        }
        #expect(Redactor.disabled.isRedactedHeader("authorization") == false)
        let redacted = short.redactHeaders([Header("Authorization", "Bearer x"), Header("Content-Type", "a/b"), Header("X-Custom-Secret", "s")])
        #expect(redacted.map(\.value) == [Redactor.placeholder, "a/b", Redactor.placeholder])
    }
}
