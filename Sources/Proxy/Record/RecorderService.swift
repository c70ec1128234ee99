import ServiceLifecycle

/// Runs a ``CassetteRecorder`` as a service: it writes until graceful shutdown, then writes
/// what is queued and returns. Put it first in a service group so that it stops last.
public struct RecorderService: Service {
    /// The recorder.
    public let recorder: CassetteRecorder
    /// A service for `recorder`.
    public init(_ recorder: CassetteRecorder) { self.recorder = recorder }
    /// Writes until shutdown.
    public func run() async {
        await withGracefulShutdownHandler {
            await recorder.run()
        } onGracefulShutdown: {
            recorder.finish()
        }
    }
}
