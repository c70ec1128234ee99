import Cassette

/// The wire dialects the simulator serves.
public enum SimDialect: String, Sendable, Equatable {
    /// OpenAI `/v1/chat/completions`.
    case chat
    /// OpenAI legacy `/v1/completions`.
    case completions
    /// OpenAI `/v1/responses`.
    case responses
    /// Anthropic `/v1/messages`.
    case anthropic

    /// Whether errors use Anthropic's shape.
    var isAnthropic: Bool { self == .anthropic }
}

/// An API error answered in the dialect's own error shape.
public struct SimAPIError: Error, Sendable, Equatable {
    /// HTTP status.
    public var status: Int
    /// The error kind: `invalid_request`, `not_found`, `rate_limit`, `server`.
    public var kind: Kind
    /// What went wrong, for the client.
    public var message: String
    /// The offending parameter, when there is one (OpenAI's `param`).
    public var param: String?

    /// Error kinds, mapped to each dialect's type names.
    public enum Kind: Sendable, Equatable {
        /// 400: the request is wrong.
        case invalidRequest
        /// 404: unknown model or path.
        case notFound
        /// 429.
        case rateLimit
        /// 5xx.
        case server
    }

    /// An error.
    public init(status: Int, kind: Kind, message: String, param: String? = nil) {
        self.status = status
        self.kind = kind
        self.message = message
        self.param = param
    }

    /// A 400 about parameter `param`.
    public static func invalid(_ message: String, param: String? = nil) -> SimAPIError {
        SimAPIError(status: 400, kind: .invalidRequest, message: message, param: param)
    }

    /// The body in OpenAI's shape (`{"error": {...}}`) or Anthropic's (`{"type": "error", ...}`).
    public func body(anthropic: Bool, model: String? = nil) -> [UInt8] {
        if anthropic {
            let type: String
            switch kind {
            case .invalidRequest: type = "invalid_request_error"
            case .notFound: type = "not_found_error"
            case .rateLimit: type = "rate_limit_error"
            case .server: type = status == 529 ? "overloaded_error" : "api_error"
            }
            return JSON.obj([("type", "error"), ("error", .obj([("type", .string(type)), ("message", .string(message))]))]).serialized()
        }
        let type: String, code: JSON
        switch kind {
        case .invalidRequest: type = "invalid_request_error"; code = .null
        case .notFound: type = "invalid_request_error"; code = model == nil ? "not_found" : "model_not_found"
        case .rateLimit: type = "rate_limit_error"; code = "rate_limit_exceeded"
        case .server: type = "server_error"; code = .null
        }
        return JSON.obj([("error", .obj([("message", .string(message)), ("type", .string(type)),
                                         ("param", param.map(JSON.string) ?? .null), ("code", code)]))]).serialized()
    }
}
