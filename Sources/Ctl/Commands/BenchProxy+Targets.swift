import Foundation
import Proxy

extension BenchProxy {
    /// A proxy under test, running as its own process.
    struct Target {
        var name: String
        var port: Int
        var process: Process?
        /// Stops the process and waits for it.
        func stop() {
            guard let p = process, p.isRunning else { return }
            p.terminate()
            p.waitUntilExit()
        }
    }

    /// Starts this binary as a Tapedeck proxy child (`bench proxy --proxy-child`), recording to
    /// `record` or not recording at all, and waits for its port.
    static func spawnTapedeck(name: String, upstream: String, record: String?, dir: String) throws -> Target {
        try spawnChild(name: name, args: ["bench", "proxy", "--proxy-child", "--upstream", upstream] + (record.map { ["--proxy-record", $0] } ?? []),
                       dir: dir)
    }

    /// Starts this binary with `args` (stderr to a log in `dir`) and waits until it prints
    /// `listening on http://127.0.0.1:PORT`.
    static func spawnChild(name: String, args: [String], dir: String) throws -> Target {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let log = dir + "/\(name.replacingOccurrences(of: " ", with: "-")).log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.standardError = FileHandle(forWritingAtPath: log)
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let r = text.range(of: "listening on http://127.0.0.1:") {
                let port = Int(text[r.upperBound...].prefix { $0.isNumber }) ?? 0
                return Target(name: name, port: port, process: p)
            }
            if !p.isRunning { break }
            usleep(20_000)
        }
        p.terminate()
        throw CLIError.failed("\(name) did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    /// Starts nginx as a reverse proxy to the upstream with `proxy_buffering off`, upstream
    /// keep-alive, and as many workers as cores; nil when nginx is not installed.
    static func spawnNginx(upstreamPort: Int, dir: String) throws -> Target? {
        guard let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return nil
        }
        let port = freePort()
        let conf = """
            daemon off;
            master_process on;
            worker_processes auto;
            worker_rlimit_nofile 65536;
            pid \(dir)/nginx.pid;
            error_log \(dir)/nginx-error.log warn;
            events { worker_connections 16384; multi_accept on; }
            http {
              access_log off;
              client_body_temp_path \(dir)/body;
              proxy_temp_path \(dir)/proxy;
              fastcgi_temp_path \(dir)/fastcgi;
              uwsgi_temp_path \(dir)/uwsgi;
              scgi_temp_path \(dir)/scgi;
              keepalive_requests 1000000;
              upstream bench { server 127.0.0.1:\(upstreamPort); keepalive 2048; }
              server {
                listen 127.0.0.1:\(port) backlog=4096;
                location / {
                  proxy_pass http://bench;
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  proxy_buffering off;
                  proxy_request_buffering off;
                  proxy_read_timeout 600s;
                }
              }
            }
            """
        try conf.write(toFile: dir + "/nginx.conf", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: nginx)
        p.arguments = ["-p", dir, "-c", dir + "/nginx.conf", "-e", dir + "/nginx-error.log"]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if canConnect(port) { return Target(name: "nginx", port: port, process: p) }
            if !p.isRunning { break }
            usleep(20_000)
        }
        p.terminate()
        throw CLIError.failed("nginx did not start: \((try? String(contentsOfFile: dir + "/nginx-error.log", encoding: .utf8)) ?? "")")
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func canConnect(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }
}
