import Testing
@testable import Cassette

/// A client (the openai SDK) that closes the connection right after `[DONE]` leaves an exchange
/// recorded as `client_disconnect` although the reply was whole; the next turn must still link to it.
@Suite struct LinkerFinishedDisconnectTests {
    typealias F = LinkFixture
    let ms = LinkFixture.ms

    @Test func turnAfterADisconnectThatFinishedStaysInTheTrajectory() {
        var linker = TrajectoryLinker()
        let sys = F.msg("system", "You fix bugs."), user = F.msg("user", "Fix the parser.")
        var e0 = F.chat("x1", start: 0, end: 100 * ms, messages: [sys, user],
                        tools: [ToolCall(id: "call_1", name: "read_file", arguments: "{}")], outcome: .clientDisconnect)
        e0.facts.finishReason = "tool_calls"
        var e1 = F.chat("x2", start: 300 * ms, end: 400 * ms,
                        messages: [sys, user, F.assistantCalls(["call_1"], name: "read_file"), F.toolResult("call_1", "code")],
                        reply: "Fixed.")
        let d0 = linker.link(&e0), d1 = linker.link(&e1)
        #expect(d1.trajectory == d0.trajectory && d1.turn == 1 && d1.parent == "x1")
    }

    @Test func aDisconnectBeforeTheEndIsStillAFailure() {
        var linker = TrajectoryLinker()
        let sys = F.msg("system", "You fix bugs."), user = F.msg("user", "Fix the parser.")
        var e0 = F.chat("x1", start: 0, end: 100 * ms, messages: [sys, user],
                        tools: [ToolCall(id: "call_1", name: "read_file", arguments: "{}")], outcome: .clientDisconnect)
        var e1 = F.chat("x2", start: 300 * ms, end: 400 * ms,
                        messages: [sys, user, F.assistantCalls(["call_1"], name: "read_file"), F.toolResult("call_1", "code")],
                        reply: "Fixed.")
        let d0 = linker.link(&e0), d1 = linker.link(&e1)
        #expect(d1.trajectory != d0.trajectory)
    }
}
