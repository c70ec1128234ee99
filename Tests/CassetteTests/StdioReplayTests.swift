import Testing
@testable import Cassette

@Suite struct StdioReplayTests {
    func rec() -> [StdioMessage] {
        var seq = 0
        func m(_ d: StdioMessage.Direction, _ j: JSON) -> StdioMessage { seq += 1; return StdioMessage(seq: seq, direction: d, unixNs: 0, monoNs: 0, message: j) }
        return [
            m(.toServer, ["jsonrpc": "2.0", "id": 0, "method": "initialize", "params": ["protocolVersion": "2025-06-18", "capabilities": [:]]]),
            m(.toClient, ["jsonrpc": "2.0", "id": 0, "result": ["serverInfo": ["name": "s"]]]),
            m(.toServer, ["jsonrpc": "2.0", "method": "notifications/initialized"]),
            m(.toServer, ["jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ["name": "add", "arguments": ["a": 1, "b": 2], "_meta": ["progressToken": 1]]]),
            m(.toClient, ["jsonrpc": "2.0", "method": "notifications/progress", "params": ["progress": 1]]),
            m(.toClient, ["jsonrpc": "2.0", "id": 1, "result": ["content": [["type": "text", "text": "3"]]]]),
        ]
    }

    @Test func answersWithRecordedRepliesAndLiveIds() {
        var r = StdioReplay(messages: rec())
        #expect(r.receive(["jsonrpc": "2.0", "id": "a", "method": "initialize", "params": ["protocolVersion": "2025-06-18", "capabilities": [:]]])
                == [["jsonrpc": "2.0", "id": "a", "result": ["serverInfo": ["name": "s"]]]])
        #expect(r.receive(["jsonrpc": "2.0", "method": "notifications/initialized"]).isEmpty)
        let out = r.receive(["jsonrpc": "2.0", "id": 42, "method": "tools/call", "params": ["name": "add", "arguments": ["b": 2, "a": 1]]])
        #expect(out.count == 2)
        #expect(out[0]["method"] == "notifications/progress")
        #expect(out[1]["id"] == 42)
        #expect(r.hits == 2)
    }

    @Test func aMissIsAJSONRPCErrorNamingTheDifference() {
        var r = StdioReplay(messages: rec())
        let out = r.receive(["jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": ["name": "add", "arguments": ["a": 1, "b": 3]]])
        #expect(out.count == 1)
        #expect(out[0]["id"] == 5)
        #expect(out[0]["error"]?["data"]?["type"] == "cassette_miss")
        #expect(out[0]["error"]?["message"]?.stringValue?.contains("params.arguments.b") == true)
        #expect(r.misses.count == 1)
    }
}
