import Foundation
import Testing
import TestSupport

/// End-to-end tests of `tapedeck cassette …` through the built binary.
@Suite struct CassetteCLITests {
    func example(_ dir: TempDir, turns: Int = 6) throws -> String {
        let path = dir.file("ex.cassette")
        let r = try tapedeck(["cassette", "example", "-o", path, "--turns", "\(turns)"])
        #expect(r.code == 0, "\(r.stderr)")
        return path
    }

    @Test func statsVerifyAndCat() throws {
        let dir = TempDir()
        let path = try example(dir)
        let stats = try tapedeck(["cassette", "stats", path, "--json"])
        #expect(stats.code == 0)
        let s = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
        #expect(s?["exchanges"] as? Int == 6)
        #expect((s?["by_dialect"] as? [String: Int])?["openai.chat"] == 6)
        #expect(s?["trajectories"] as? Int == 1)
        #expect((s?["compression_ratio"] as? Double ?? 0) > 1)
        let human = try tapedeck(["cassette", "stats", path])
        #expect(human.stdout.contains("openai.chat=6"))
        let v = try tapedeck(["cassette", "verify", path])
        #expect(v.code == 0)
        #expect(v.stdout.contains("OK"))
        // cat expands references: every line is JSON and request bodies carry their messages.
        let cat = try tapedeck(["cassette", "cat", path])
        let lines = cat.stdout.split(separator: "\n")
        #expect(lines.count == 7)
        let last = try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as? [String: Any]
        let body = (last?["request"] as? [String: Any])?["body"] as? [String: Any]
        #expect((body?["messages"] as? [Any])?.count == 12)
        let raw = try tapedeck(["cassette", "cat", "--raw", path])
        #expect(raw.stdout.contains("\"type\":\"blob\""))
        #expect(raw.stdout.contains("\"body_refs\""))
    }

    @Test func stockLz4ReadsItAndPythonParsesEveryLine() throws {
        let dir = TempDir()
        let path = try example(dir, turns: 20)
        let r = try runProcess("/bin/sh", ["-c", "lz4 -dc '\(path)' | python3 -c 'import json,sys; n=sum(1 for l in sys.stdin if json.loads(l)); print(n)'"])
        #expect(r.code == 0, "\(r.stderr)")
        let n = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(n > 21, "header, blobs and 20 exchanges: \(n)")
    }

    @Test func verifyReportsTheOffsetOfDamage() throws {
        let dir = TempDir()
        let path = try example(dir)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = dir.file("cut.cassette")
        try bytes.prefix(bytes.count - 20).write(to: URL(fileURLWithPath: cut))
        let v = try tapedeck(["cassette", "verify", cut])
        #expect(v.code == 2)
        #expect(v.stderr.contains("FAIL") && v.stderr.contains("at byte"))
        #expect(v.stderr.split(separator: "\n").count == 1)
        bytes[bytes.count / 2] ^= 0xFF
        let flipped = dir.file("flip.cassette")
        try bytes.write(to: URL(fileURLWithPath: flipped))
        let f = try tapedeck(["cassette", "verify", flipped])
        #expect(f.code == 2)
        #expect(f.stderr.contains("checksum") || f.stderr.contains("corrupt"))
        // Readers still return what precedes the damage.
        let cat = try tapedeck(["cassette", "cat", flipped])
        #expect(cat.code == 2)
        #expect(cat.stdout.contains("\"type\":\"header\""))
    }

    @Test func harRoundTripGivesEqualExchanges() throws {
        let dir = TempDir()
        let path = try example(dir)
        let har = dir.file("x.har")
        #expect(try tapedeck(["cassette", "export", path, "--format", "har", "-o", har]).code == 0)
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: har))) as? [String: Any]
        let log = doc?["log"] as? [String: Any]
        #expect(log?["version"] as? String == "1.2")
        let entries = log?["entries"] as? [[String: Any]]
        #expect(entries?.count == 6)
        #expect((entries?.first?["request"] as? [String: Any])?["url"] as? String == "https://api.openai.com/v1/chat/completions")
        #expect((entries?.first?["timings"] as? [String: Any])?["wait"] != nil)
        let back = dir.file("back.cassette")
        #expect(try tapedeck(["cassette", "import", har, "-o", back]).code == 0)
        let a = try tapedeck(["cassette", "cat", path]).stdout.split(separator: "\n").dropFirst()
        let b = try tapedeck(["cassette", "cat", back]).stdout.split(separator: "\n").dropFirst()
        #expect(Array(a) == Array(b))
    }

    @Test func importsAForeignHAR() throws {
        let dir = TempDir()
        let har = dir.file("m.har")
        let sse = "data: {\\\"choices\\\":[{\\\"delta\\\":{\\\"content\\\":\\\"Hi\\\"}}]}\\n\\ndata: [DONE]\\n\\n"
        let doc = """
            {"log":{"version":"1.2","creator":{"name":"mitmproxy","version":"10"},"entries":[{"startedDateTime":"2026-01-02T03:04:05.678Z","time":120,
            "request":{"method":"POST","url":"https://api.openai.com/v1/chat/completions","httpVersion":"HTTP/1.1","headers":[{"name":"Authorization","value":"Bearer sk-live-abcdefghijklmnopqrstuvwxyz"}],
            "postData":{"mimeType":"application/json","text":"{\\"model\\":\\"gpt-4o\\",\\"stream\\":true,\\"messages\\":[{\\"role\\":\\"user\\",\\"content\\":\\"hi\\"}]}"}},
            "response":{"status":200,"headers":[{"name":"content-type","value":"text/event-stream"}],"content":{"size":10,"mimeType":"text/event-stream","text":"\(sse)"}},
            "timings":{"send":1,"wait":100,"receive":19}}]}}
            """
        try doc.write(toFile: har, atomically: true, encoding: .utf8)
        let out = dir.file("m.cassette")
        let r = try tapedeck(["cassette", "import", har, "-o", out])
        #expect(r.code == 0, "\(r.stderr)")
        let cat = try tapedeck(["cassette", "cat", out]).stdout
        #expect(cat.contains("\"dialect\":\"openai.chat\""))
        #expect(cat.contains("\"model\":\"gpt-4o\""))
        #expect(cat.contains("\"output_text\":\"Hi\""))
        #expect(!cat.contains("sk-live"), "imported captures are redacted too")
    }

    @Test func redactRewritesWithExtraRules() throws {
        let dir = TempDir()
        let path = try example(dir)
        let out = dir.file("r.cassette")
        let r = try tapedeck(["cassette", "redact", path, "-o", out, "--json-path", "temperature", "--pattern", "Fix the failing test"])
        #expect(r.code == 0, "\(r.stderr)")
        let cat = try tapedeck(["cassette", "cat", out]).stdout
        #expect(!cat.contains("Fix the failing test"))
        #expect(cat.contains("\"temperature\":\"[REDACTED]\""))
        #expect(try tapedeck(["cassette", "verify", out]).code == 0)
        let bad = try tapedeck(["cassette", "redact", path, "-o", out, "--pattern", "(oops"])
        #expect(bad.code == 2)
        #expect(bad.stderr.contains("not a valid regular expression"))
    }

    @Test(arguments: [
        (["cassette", "stats", "/nonexistent/x.cassette"], "No such file"),
        (["cassette", "verify", "/etc/os-release"], "not LZ4"),
        (["cassette", "cat", "/dev/null"], "empty"),
        (["cassette", "stats", "--bogus", "x"], "Unknown option"),
        (["cassette", "export", "/nonexistent", "--format", "zip", "-o", "/tmp/x"], "unknown export format"),
    ])
    func badInputIsOneLineAndExit2(args: [String], message: String) throws {
        let r = try tapedeck(args)
        #expect(r.code == 2)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"))
    }

    @Test func aHARThatIsNotJSON() throws {
        let dir = TempDir()
        let har = dir.file("bad.har")
        try "not json at all".write(toFile: har, atomically: true, encoding: .utf8)
        let r = try tapedeck(["cassette", "import", har, "-o", dir.file("o.cassette")])
        #expect(r.code == 2)
        #expect(r.stderr.contains("is not JSON"))
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.file("o.cassette")))
        try "{\"entries\": []}".write(toFile: har, atomically: true, encoding: .utf8)
        let r2 = try tapedeck(["cassette", "import", har, "-o", dir.file("o.cassette")])
        #expect(r2.code == 2)
        #expect(r2.stderr.contains("not a HAR file"))
    }

    @Test func helpListsEverySubcommand() throws {
        let r = try tapedeck(["--help"])
        #expect(r.code == 0)
        for sub in ["cassette", "bench"] { #expect(r.stdout.contains(sub)) }
        let c = try tapedeck(["cassette", "--help"])
        for sub in ["cat", "stats", "verify", "redact", "export", "import"] { #expect(c.stdout.contains(sub)) }
    }
}
