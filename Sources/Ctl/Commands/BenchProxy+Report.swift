import Cassette
import Foundation
import Scoring

extension BenchProxy {
    /// The figures of one `bench proxy` run and the ratios the issue asks for.
    struct Report {
        struct Latency {
            var p50Ms: Double
            var p99Ms: Double
            var samples: Int
            var errors: Int
            init(_ r: LoadResult) {
                let ms = r.latenciesNs.map { Double($0) / 1e6 }
                let p = Percentiles.many(ms, [50, 99])
                p50Ms = p[50] ?? .nan
                p99Ms = p[99] ?? .nan
                samples = ms.count
                errors = r.errors
            }
            var summary: String { String(format: "p50 %.3f ms  p99 %.3f ms  (%d chunks, %d errors)", p50Ms, p99Ms, samples, errors) }
        }

        var names: [String]
        var gapMs: Int
        var seconds: Double
        var latency: [Int: [String: Latency]] = [:]
        var chunksPerSecond: [String: Double] = [:]
        var requestsPerSecond: [String: Double] = [:]
        /// Throughput rounds; the figures above are each target's median.
        var rounds = 1
        /// The proxy processes' own CPU time per chunk and per request in the throughput runs, µs
        /// (medians of the rounds). Unlike throughput it does not depend on how the load
        /// generator and the upstream, on the same cores, happen to be scheduled.
        var cpuUsPerChunk: [String: Double] = [:]
        var cpuUsPerRequest: [String: Double] = [:]
        /// The part of those spent on Tapedeck's event-loop threads, the forwarding path (medians
        /// of the rounds); the rest of a recording proxy's CPU is its cassette writer, which a
        /// machine with a spare core runs beside the loops instead of in their place.
        var loopCpuUsPerChunk: [String: Double] = [:]
        var loopCpuUsPerRequest: [String: Double] = [:]
        /// The proxy processes' resident memory at the end of each throughput window, MiB (the
        /// largest of the rounds): a proxy that keeps something per request shows it here.
        var rssMiBChunks: [String: Double] = [:]
        var rssMiBRequests: [String: Double] = [:]

        var stagger = false

        init(names: [String], gapMs: Int, seconds: Double, stagger: Bool) {
            self.names = names; self.gapMs = gapMs; self.seconds = seconds; self.stagger = stagger
        }

        func added(_ level: Int, _ name: String) -> (p50: Double, p99: Double)? {
            guard let d = latency[level]?["direct"], let t = latency[level]?[name] else { return nil }
            return (t.p50Ms - d.p50Ms, t.p99Ms - d.p99Ms)
        }

        func ratio(_ m: [String: Double], _ a: String, _ b: String) -> Double? {
            guard let x = m[a], let y = m[b], y > 0 else { return nil }
            return x / y
        }

        static func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, n - s.count))
            return right ? fill + s : s + fill
        }

        static func r3(_ v: Double) -> JSON { .double((v * 1000).rounded() / 1000) }

        func json() -> JSON {
            var o = JSONObject()
            o["gap_ms"] = .int(gapMs)
            o["stagger"] = .bool(stagger)
            var lat = JSONObject()
            for level in latency.keys.sorted() {
                var l = JSONObject()
                for name in names {
                    guard let v = latency[level]?[name] else { continue }
                    var e = JSONObject()
                    e["p50_ms"] = Self.r3(v.p50Ms); e["p99_ms"] = Self.r3(v.p99Ms); e["chunks"] = .int(v.samples); e["errors"] = .int(v.errors)
                    if name != "direct", let a = added(level, name) { e["added_p50_ms"] = Self.r3(a.p50); e["added_p99_ms"] = Self.r3(a.p99) }
                    l[name] = .object(e)
                }
                lat[String(level)] = .object(l)
            }
            o["latency"] = .object(lat)
            o["chunks_per_s"] = .object(JSONObject(names.compactMap { n in chunksPerSecond[n].map { (n, JSON.double($0.rounded())) } }))
            o["throughput_rounds"] = .int(rounds)
            o["requests_per_s"] = .object(JSONObject(names.compactMap { n in requestsPerSecond[n].map { (n, JSON.double($0.rounded())) } }))
            var ratios = JSONObject()
            for (key, m) in [("chunks", chunksPerSecond), ("requests", requestsPerSecond)] {
                if let r = ratio(m, "tapedeck", "nginx") { ratios["\(key)_tapedeck_vs_nginx"] = Self.r3(r) }
                if let r = ratio(m, "tapedeck+record", "nginx") { ratios["\(key)_recording_vs_nginx"] = Self.r3(r) }
                if let r = ratio(m, "tapedeck+record", "tapedeck") { ratios["\(key)_recording_cost"] = Self.r3(1 - r) }
            }
            for (key, m) in [("chunks", cpuUsPerChunk), ("requests", cpuUsPerRequest)] {
                if let r = ratio(m, "tapedeck+record", "tapedeck") { ratios["\(key)_recording_cpu_cost"] = Self.r3(r - 1) }
            }
            for (key, m) in [("chunks", loopCpuUsPerChunk), ("requests", loopCpuUsPerRequest)] {
                if let r = ratio(m, "tapedeck+record", "tapedeck") { ratios["\(key)_recording_event_loop_cpu_cost"] = Self.r3(r - 1) }
            }
            o["ratios"] = .object(ratios)
            o["cpu_us_per_chunk"] = .object(JSONObject(names.compactMap { n in cpuUsPerChunk[n].map { (n, Self.r3($0)) } }))
            o["cpu_us_per_request"] = .object(JSONObject(names.compactMap { n in cpuUsPerRequest[n].map { (n, Self.r3($0)) } }))
            o["event_loop_cpu_us_per_chunk"] = .object(JSONObject(names.compactMap { n in loopCpuUsPerChunk[n].map { (n, Self.r3($0)) } }))
            o["event_loop_cpu_us_per_request"] = .object(JSONObject(names.compactMap { n in loopCpuUsPerRequest[n].map { (n, Self.r3($0)) } }))
            o["rss_mib_after_chunks"] = .object(JSONObject(names.compactMap { n in rssMiBChunks[n].map { (n, Self.r3($0)) } }))
            o["rss_mib_after_requests"] = .object(JSONObject(names.compactMap { n in rssMiBRequests[n].map { (n, Self.r3($0)) } }))
            return .object(o)
        }

        func printText(throughputStreams: Int, connections: Int) {
            print("tapedeck bench proxy: chunks every \(gapMs) ms, \(String(format: "%g", seconds)) s per latency run"
                  + (stagger ? ", stream starts spread over one gap" : ", streams started together"))
            print("")
            print("per-chunk latency (upstream write -> client read), ms; added = through the proxy - direct")
            print("  streams  target            p50      p99     added p50  added p99   chunks")
            for level in latency.keys.sorted() {
                for name in names {
                    guard let v = latency[level]?[name] else { continue }
                    let a = added(level, name)
                    print(String(format: "  %7d  ", level) + Self.pad(name, 15) + String(format: " %8.3f %8.3f   ", v.p50Ms, v.p99Ms)
                          + Self.pad(a.map { String(format: "%+.3f", $0.p50) } ?? "", 9, right: true) + "  "
                          + Self.pad(a.map { String(format: "%+.3f", $0.p99) } ?? "", 9, right: true) + String(format: "  %7d", v.samples))
                }
            }
            print("")
            print("throughput (median of \(rounds) rounds): chunks/s over \(throughputStreams) unpaced streams, requests/s over \(connections) keep-alive connections")
            for name in names {
                print("  " + Self.pad(name, 15) + String(format: " %12.0f chunks/s  %10.0f requests/s", chunksPerSecond[name] ?? 0, requestsPerSecond[name] ?? 0))
            }
            if !cpuUsPerRequest.isEmpty {
                print("")
                print("the proxy's own CPU time (user + system, all its processes) per operation in those runs, us;")
                print("and its resident memory at the end of the windows (largest of the rounds), MiB")
                for name in names {
                    guard cpuUsPerChunk[name] != nil || cpuUsPerRequest[name] != nil else { continue }
                    print("  " + Self.pad(name, 15) + String(format: " %12.2f per chunk  %10.2f per request   RSS %6.1f / %6.1f MiB",
                                                            cpuUsPerChunk[name] ?? .nan, cpuUsPerRequest[name] ?? .nan,
                                                            rssMiBChunks[name] ?? .nan, rssMiBRequests[name] ?? .nan))
                }
                for name in names where loopCpuUsPerChunk[name] != nil || loopCpuUsPerRequest[name] != nil {
                    print("  " + Self.pad(name, 15) + String(format: " %12.2f per chunk  %10.2f per request   on its event loops",
                                                            loopCpuUsPerChunk[name] ?? .nan, loopCpuUsPerRequest[name] ?? .nan))
                }
            }
            print("")
            print("ratios (targets: throughput >= 0.7x nginx, recording cost <= 15%, added p99 <= 1 ms at 1,000 streams)")
            for (key, m) in [("chunks/s", chunksPerSecond), ("requests/s", requestsPerSecond)] {
                if let r = ratio(m, "tapedeck", "nginx") { print("  " + Self.pad(key, 11) + String(format: "tapedeck / nginx            %.2fx", r)) }
                if let r = ratio(m, "tapedeck+record", "nginx") { print("  " + Self.pad(key, 11) + String(format: "tapedeck+record / nginx     %.2fx", r)) }
                if let r = ratio(m, "tapedeck+record", "tapedeck") { print("  " + Self.pad(key, 11) + String(format: "recording cost              %.1f%%", (1 - r) * 100)) }
            }
            for (key, m) in [("chunks/s", cpuUsPerChunk), ("requests/s", cpuUsPerRequest)] {
                if let r = ratio(m, "tapedeck+record", "tapedeck") { print("  " + Self.pad(key, 11) + String(format: "recording CPU per operation %+.1f%%", (r - 1) * 100)) }
            }
            for (key, m) in [("chunks/s", loopCpuUsPerChunk), ("requests/s", loopCpuUsPerRequest)] {
                if let r = ratio(m, "tapedeck+record", "tapedeck") { print("  " + Self.pad(key, 11) + String(format: "recording CPU, event loops  %+.1f%%", (r - 1) * 100)) }
            }
            if let top = latency.keys.max() {
                for name in names where name != "direct" {
                    if let a = added(top, name) { print("  added p99 at \(top) streams, " + Self.pad(name, 16) + String(format: "%+.3f ms", a.p99)) }
                }
            }
        }
    }
}
