import Cassette
import NIOCore

/// What every agent of a phase reads and never changes.
struct RunContext: Sendable {
    let workload: Workload
    let assignment: Assignment
    let config: LoadConfig
    let address: SocketAddress
    let shared: PhaseShared
    /// Request line start per dialect path, and the fixed headers, prebuilt.
    let fixedHeaders: String
    let requestInfo: [Dialect: RequestInfo]

    init(workload: Workload, config: LoadConfig, address: SocketAddress, shared: PhaseShared) {
        self.workload = workload
        self.assignment = workload.assignment(seed: config.seed)
        self.config = config
        self.address = address
        self.shared = shared
        var h = "Host: \(config.target.hostHeader)\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nUser-Agent: tapedeck\r\n"
        if let key = config.apiKey { h += "Authorization: Bearer \(key)\r\n" }
        fixedHeaders = h
        var infos: [Dialect: RequestInfo] = [:]
        for d in [Dialect.openaiChat, .openaiResponses, .openaiCompletions, .anthropicMessages] {
            var i = RequestInfo(method: "POST", path: Turn.apiPath(d) ?? "/", body: nil)
            i.stream = true
            infos[d] = i
        }
        requestInfo = infos
    }

    /// The request head for a turn with a body of `length` bytes.
    func head(_ turn: Turn, length: Int, requestId: String) -> String {
        var s = "POST \(config.target.path(for: turn.path)) HTTP/1.1\r\n"
        s += fixedHeaders
        if turn.dialect == .anthropicMessages, let key = config.apiKey { s += "x-api-key: \(key)\r\n" }
        for h in turn.headers { s += "\(h.name): \(h.value)\r\n" }
        s += "x-request-id: \(requestId)\r\nContent-Length: \(length)\r\n\r\n"
        return s
    }
}
