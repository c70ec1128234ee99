import Cassette
import Foundation
import Synchronization

/// `tapedeck mcp-stdio`: sits between an agent and an MCP server that speaks over stdio,
/// relays every byte both ways as soon as it is read, and records each JSON-RPC line with
/// its direction and timestamps. The server's stderr passes straight through and its exit
/// code becomes ours.
///
/// The two relays are dedicated threads doing blocking `read(2)`s on pipes — the simplest
/// correct way to move bytes between file descriptors without a poll loop; recording is
/// only an enqueue onto the cassette writer.
public final class MCPStdioBridge: Sendable {
    let child: ChildProcess
    let recorder: CassetteRecorder
    let toChild: Pipe
    let fromChild: Pipe
    /// Stamps and sequence numbers are taken together under one lock, so that `seq` order is
    /// time order across both directions.
    let clock = Mutex<Int>(0)

    /// A bridge that will run `command` and record into `recorder`.
    public init(command: [String], recorder: CassetteRecorder) throws(ProxyConfigError) {
        toChild = Pipe()
        fromChild = Pipe()
        child = try ChildProcess(command: command,
                                 standardIO: .init(input: toChild.fileHandleForReading, output: fromChild.fileHandleForWriting))
        self.recorder = recorder
    }

    /// Runs the server until it exits; returns its exit code after the cassette is closed.
    public func run() async throws -> Int32 {
        let (done, doneCont) = AsyncStream.makeStream(of: Void.self)
        let toChildFD = toChild.fileHandleForWriting.fileDescriptor
        let fromChildFD = fromChild.fileHandleForReading.fileDescriptor
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.recorder.run() }
            group.addTask { try await self.child.run() }
            // The child holds its own copies of its pipe ends once started; close ours so that
            // EOF propagates. Wait until it has started.
            while child.processID == 0 { try await Task.sleep(for: .milliseconds(1)) }
            try? toChild.fileHandleForReading.close()
            try? fromChild.fileHandleForWriting.close()
            Thread.detachNewThread { [self] in
                relay(from: 0, to: toChildFD, direction: .toServer)
                close(toChildFD)  // our stdin ended: the server sees EOF
            }
            Thread.detachNewThread { [self] in
                relay(from: fromChildFD, to: 1, direction: .toClient)
                doneCont.yield(); doneCont.finish()
            }
            try await group.next()  // the recorder runs until finish(); the child returns first
            for await _ in done {}  // the server's stdout is drained
            recorder.finish()
            try await group.waitForAll()
        }
        return child.exitCode ?? 1
    }

    /// Copies bytes until EOF, recording each complete line.
    func relay(from src: Int32, to dst: Int32, direction: StdioMessage.Direction) {
        var splitter = LineSplitter()
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        var dstOpen = true
        while true {
            let n = buf.withUnsafeMutableBytes { read(src, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; break }
            if n == 0 { break }
            if dstOpen {
                buf.withUnsafeBytes { b in
                    var off = 0
                    while off < n {
                        let w = write(dst, b.baseAddress! + off, n - off)  // b is the non-empty read buffer.
                        if w < 0 { if errno == EINTR { continue }; dstOpen = false; break }
                        off += w
                    }
                }
            }
            let lines = clock.withLock { seq -> [(Int, Int64, Int64, [UInt8])] in
                let mono = HostFacts.monoNs(), unix = HostFacts.unixNs()
                var out: [(Int, Int64, Int64, [UInt8])] = []
                buf.withUnsafeBytes { b in
                    splitter.feed(UnsafeRawBufferPointer(rebasing: b[0..<n])) { line in out.append((seq, mono, unix, line)); seq += 1 }
                }
                return out
            }
            for (k, mono, unix, line) in lines { record(line, direction, k, mono, unix) }
        }
        let tail = clock.withLock { seq -> [(Int, Int64, Int64, [UInt8])] in
            let mono = HostFacts.monoNs(), unix = HostFacts.unixNs()
            var out: [(Int, Int64, Int64, [UInt8])] = []
            splitter.finish { line in out.append((seq, mono, unix, line)); seq += 1 }
            return out
        }
        for (k, mono, unix, line) in tail { record(line, direction, k, mono, unix) }
    }

    func record(_ line: [UInt8], _ direction: StdioMessage.Direction, _ n: Int, _ mono: Int64, _ unix: Int64) {
        let message = (try? JSON.parse(line)) ?? .string(String(decoding: line, as: UTF8.self))
        recorder.record(.message(StdioMessage(seq: n, direction: direction, unixNs: unix, monoNs: mono, message: message)))
    }
}
