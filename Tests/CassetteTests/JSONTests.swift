import Testing
@testable import Cassette

@Suite struct JSONTests {
    @Test func roundTripsKeyOrderAndNumberText() throws {
        let text = #"{"z":1,"a":[1.50,-0,1e3,2E-2,true,false,null],"m":{"b":"x","a":"y"},"s":"q\"\\\/\b\f\n\r\t\u0001é😀"}"#
        let v = try JSON.parse(text)
        // Escapes are normalized on output, everything else is kept byte for byte.
        #expect(v.text() == #"{"z":1,"a":[1.50,-0,1e3,2E-2,true,false,null],"m":{"b":"x","a":"y"},"s":"q\"\\/\u0008\u000c\n\r\t\u0001é😀"}"#)
        #expect(try JSON.parse(v.text()) == v)
        #expect(v["m"]?.objectValue?.keys == ["b", "a"])
        #expect(v["s"]?.stringValue == "q\"\\/\u{8}\u{c}\n\r\t\u{1}é😀")
    }

    @Test func surrogatePairsDecode() throws {
        #expect(try JSON.parse(#""\ud83d\ude00""#).stringValue == "😀")
        #expect(try JSON.parse(#""\ud83d""#).stringValue == "\u{FFFD}")
    }

    @Test func objectEqualityIgnoresOrder() throws {
        #expect(try JSON.parse(#"{"a":1,"b":2}"#) == JSON.parse(#"{"b":2,"a":1}"#))
        #expect(try JSON.parse(#"{"a":1}"#) != JSON.parse(#"{"a":2}"#))
        #expect(try JSON.parse("1.0") == JSON.parse("1"))
        var set = Set<JSON>()
        set.insert(try JSON.parse(#"{"a":1,"b":2}"#))
        #expect(set.contains(try JSON.parse(#"{"b":2,"a":1}"#)))
    }

    @Test func sortedKeysAreCanonical() throws {
        let a = try JSON.parse(#"{"b":{"y":1,"x":2},"a":[3,{"d":1,"c":2}]}"#)
        #expect(a.text(sortedKeys: true) == #"{"a":[3,{"c":2,"d":1}],"b":{"x":2,"y":1}}"#)
    }

    @Test(arguments: [
        ("", "unexpected end of input"), ("{", "expected a string key"), ("[1,]", "unexpected character"),
        ("{\"a\" 1}", "expected ':'"), ("\"abc", "unterminated string"), ("01", "unexpected trailing data"),
        ("1.", "digit expected"), ("tru", "unexpected end of input"), ("\"\\x\"", "invalid escape"), ("[1] x", "unexpected trailing data"),
        ("\"a\nb\"", "control character"),
    ])
    func rejectsMalformed(input: String, reason: String) {
        #expect {
            _ = try JSON.parse(input)
        } throws: { e in
            guard let e = e as? JSONParseError else { return false }
            return e.reason.contains(reason)
        }
    }

    @Test func rejectsDeepNesting() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONParseError.self) { try JSON.parse(deep) }
    }

    @Test func prettyMatchesPythonIndent2() throws {
        let v = try JSON.parse(#"{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"hi"}}],"empty":[],"o":{}}"#)
        #expect(v.prettyText() == """
            {
              "id": "x",
              "choices": [
                {
                  "index": 0,
                  "message": {
                    "role": "assistant",
                    "content": "hi"
                  }
                }
              ],
              "empty": [],
              "o": {}
            }
            """)
    }

    @Test func bodyKeepsExactBytes() throws {
        for text in [#"{"a":1}"#, "{\n  \"a\": 1\n}", "{\n  \"a\": 1\n}\n", "{ \"a\" : 1 }", "data: x\n\n"] {
            let bytes = Array(text.utf8)
            let b = Body(bytes: bytes)
            #expect(b.bytes == bytes, "body \(text.debugDescription)")
        }
        #expect(Body(bytes: Array(#"{"a":1}"#.utf8)) == .json(["a": 1], .compact))
        if case .json = Body(bytes: Array("{ \"a\" : 1 }".utf8)) { Issue.record("odd layout must fall back to text") }
        #expect(Body(bytes: [0xFF, 0x00, 0x80]) == .binary([0xFF, 0x00, 0x80]))
    }

    /// A repeated key keeps its last value wherever the two copies lie: far from the end of the
    /// input or in its last 16 bytes (where keys are hashed byte by byte), at every length
    /// around the 8- and 16-byte words the hash reads, escaped or not.
    @Test func repeatedKeysKeepTheLastValueAtEveryPlace() throws {
        for n in [1, 7, 8, 9, 15, 16, 17, 30] {
            let key = String(repeating: "k", count: n - 1) + "z"
            for pad in [0, 1, 5, 20, 40] {
                let filler = String(repeating: " ", count: pad)
                let text = #"{"\#(key)":1,"other":2,"\#(key)":3\#(filler)}"#
                let v = try JSON.parse(text)
                #expect(v[key] == .number(JSONNumber(text: "3")), "length \(n), padding \(pad)")
                #expect(v.objectValue?.count == 2)
                // The same key once escaped: still the same key.
                let first = String(key.unicodeScalars.first!.value, radix: 16)  // The key is not empty.
                let escaped = #"{"\#(key)":1,"\u00\#(first)\#(key.dropFirst())":3\#(filler)}"#
                let w = try JSON.parse(escaped)
                #expect(w.objectValue?.count == 1, "escaped, length \(n)")
                #expect(w[key] == .number(JSONNumber(text: "3")))
            }
        }
        // Canonically equivalent non-ASCII keys are one key in Swift, as before.
        let v = try JSON.parse(#"{"caf\#u{E9}":1,"cafe\#u{301}":2}"#)
        #expect(v.objectValue?.count == 1)
    }
}
