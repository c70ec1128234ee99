import NIOCore

/// The whole client pipeline: stamps every read as it comes off the socket, then hands the
/// bytes to the agent, which parses HTTP and SSE on the same call stack.
final class LoadChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let agent: LoadAgent

    init(agent: LoadAgent) { self.agent = agent }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let t = MonoClock.now()
        agent.received(unwrapInboundIn(data), at: t)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if agent.channel === context.channel { agent.closed() }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
