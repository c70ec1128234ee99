import Cassette
import Testing
@testable import Proxy

/// Bad input gets the API's own error shape and a 4xx, never a crash.
@Suite struct SimBadInputTests {
    static var strict: SimProfile { try! SimProfile.named("h100-70b") }  // Bundled; lists its models strictly.

    func openAIError(_ r: SimClient.Reply, status: Int, param: String? = nil) {
        #expect(r.status == status)
        #expect(r.json?["error"]?["type"]?.stringValue == "invalid_request_error")
        #expect(r.json?["error"]?["message"]?.stringValue?.isEmpty == false)
        if let param { #expect(r.json?["error"]?["param"]?.stringValue == param) }
    }

    func anthropicError(_ r: SimClient.Reply, status: Int, type: String) {
        #expect(r.status == status)
        #expect(r.json?["type"]?.stringValue == "error")
        #expect(r.json?["error"]?["type"]?.stringValue == type)
    }

    @Test func malformedJSON() async throws {
        try await withSim { _, c in
            openAIError(try await c.chat(#"{"model": "m", "messages": [#"#), status: 400)
            openAIError(try await c.send(.POST, "/v1/responses", body: "not json"), status: 400)
            anthropicError(try await c.send(.POST, "/v1/messages", body: "{oops"), status: 400, type: "invalid_request_error")
            openAIError(try await c.chat("[1, 2]"), status: 400)
            // The server keeps serving after bad input.
            #expect(try await c.chat(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#).status == 200)
        }
    }

    @Test func unknownModelWhereTheProfileListsModels() async throws {
        try await withSim(Self.strict) { _, c in
            let r = try await c.chat(#"{"model":"gpt-nope","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(r.status == 404)
            #expect(r.json?["error"]?["code"]?.stringValue == "model_not_found")
            #expect(r.json?["error"]?["param"]?.stringValue == "model")
            let a = try await c.send(.POST, "/v1/messages", body: #"{"model":"claude-nope","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#)
            anthropicError(a, status: 404, type: "not_found_error")
            let ok = try await c.chat(#"{"model":"llama-3.3-70b-instruct","messages":[{"role":"user","content":"hi"}],"max_tokens":1}"#)
            #expect(ok.status == 200)
        }
    }

    @Test func negativeMaxTokens() async throws {
        try await withSim { _, c in
            openAIError(try await c.chat(#"{"model":"m","max_tokens":-5,"messages":[{"role":"user","content":"hi"}]}"#), status: 400, param: "max_tokens")
            openAIError(try await c.chat(#"{"model":"m","max_completion_tokens":0,"messages":[{"role":"user","content":"hi"}]}"#),
                        status: 400, param: "max_completion_tokens")
            openAIError(try await c.send(.POST, "/v1/responses", body: #"{"model":"m","input":"x","max_output_tokens":-1}"#),
                        status: 400, param: "max_output_tokens")
            openAIError(try await c.send(.POST, "/v1/completions", body: #"{"model":"m","prompt":"x","max_tokens":-1}"#),
                        status: 400, param: "max_tokens")
            anthropicError(try await c.send(.POST, "/v1/messages", body: #"{"model":"m","max_tokens":-1,"messages":[{"role":"user","content":"hi"}]}"#),
                           status: 400, type: "invalid_request_error")
        }
    }

    @Test func missingMessages() async throws {
        try await withSim { _, c in
            openAIError(try await c.chat(#"{"model":"m"}"#), status: 400, param: "messages")
            openAIError(try await c.chat(#"{"model":"m","messages":[]}"#), status: 400, param: "messages")
            openAIError(try await c.chat(#"{"model":"m","messages":"hi"}"#), status: 400, param: "messages")
            anthropicError(try await c.send(.POST, "/v1/messages", body: #"{"model":"m","max_tokens":5}"#), status: 400, type: "invalid_request_error")
            openAIError(try await c.send(.POST, "/v1/responses", body: #"{"model":"m"}"#), status: 400, param: "input")
            openAIError(try await c.send(.POST, "/v1/completions", body: #"{"model":"m"}"#), status: 400, param: "prompt")
        }
    }

    @Test func otherBadRequests() async throws {
        try await withSim { _, c in
            openAIError(try await c.chat(#"{"messages":[{"role":"user","content":"hi"}]}"#), status: 400, param: "model")
            openAIError(try await c.chat(#"{"model":"m","n":3,"messages":[{"role":"user","content":"hi"}]}"#), status: 400, param: "n")
            openAIError(try await c.chat(#"{"model":"m","messages":[{"role":"wizard","content":"hi"}]}"#), status: 400)
            openAIError(try await c.chat(#"{"model":"m","stream":"yes","messages":[{"role":"user","content":"hi"}]}"#), status: 400, param: "stream")
            anthropicError(try await c.send(.POST, "/v1/messages", body: #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#),
                           status: 400, type: "invalid_request_error")
            let get = try await c.send(.GET, "/v1/chat/completions")
            #expect(get.status == 405)
            let missing = try await c.send(.GET, "/v2/nothing")
            #expect(missing.status == 404)
            #expect(missing.json?["error"] != nil)
            let badFault = try await c.chat(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#, headers: [("X-Tapedeck-Fault", "explode")])
            openAIError(badFault, status: 400, param: "X-Tapedeck-Fault")
        }
    }
}
