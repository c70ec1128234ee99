import Cassette
import Foundation
import Proxy
import Scoring

extension BenchServe {
    /// The figures of one `bench serve` run.
    struct Report {
        var sessions: Int
        var turns: Int
        var exchanges: Int
        var cassetteBytes: Int
        var connections: Int
        var baseline: Client.Result
        var serve: Client.Result
        var timing: Client.Timing
        var streams: Int

        static let ps: [Double] = [50, 90, 99]

        func ms(_ ns: [Int64], abs: Bool = false) -> [Double: Double] {
            Percentiles.many(ns.map { Double(abs ? Swift.abs($0) : $0) / 1e6 }, Self.ps)
        }

        var ratio: Double { baseline.perSecond > 0 ? serve.perSecond / baseline.perSecond : .nan }

        static func r3(_ v: Double?) -> JSON { v.map { .double(($0 * 1000).rounded() / 1000) } ?? .null }

        func json() -> JSON {
            func dist(_ ns: [Int64], abs: Bool) -> JSON {
                let p = ms(ns, abs: abs)
                return .obj(Self.ps.map { ("p\(Int($0))", Self.r3(p[$0])) } + [("samples", .int(ns.count))])
            }
            return .obj([
                ("host", .object(HostFacts.current())),
                ("cassette", .obj([("sessions", .int(sessions)), ("turns", .int(turns)), ("exchanges", .int(exchanges)), ("bytes", .int(cassetteBytes))])),
                ("instant", .obj([
                    ("connections", .int(connections)),
                    ("serve_matched_per_second", .int(Int(serve.perSecond))), ("serve_errors", .int(serve.errors)),
                    ("baseline_per_second", .int(Int(baseline.perSecond))), ("baseline_errors", .int(baseline.errors)),
                    ("serve_vs_baseline", Self.r3(ratio)),
                ])),
                ("recorded", .obj([
                    ("streams", .int(timing.streams)), ("errors", .int(timing.errors)),
                    ("gap_deviation_ms", dist(timing.gapDeviationsNs, abs: false)),
                    ("gap_abs_deviation_ms", dist(timing.gapDeviationsNs, abs: true)),
                    ("first_event_deviation_ms", dist(timing.firstDeviationsNs, abs: false)),
                ])),
            ])
        }

        func printText() {
            print("cassette: \(exchanges) exchanges (\(sessions) sessions × \(turns) turns), \(cassetteBytes) bytes")
            print("--timing instant, \(connections) keep-alive connections:")
            print(String(format: "  tapedeck serve   %8.0f matched responses/s  (%d errors)", serve.perSecond, serve.errors))
            print(String(format: "  baseline         %8.0f responses/s          (%d errors; fixed bytes, no matching)", baseline.perSecond, baseline.errors))
            print(String(format: "  serve / baseline %8.3f", ratio))
            let g = ms(timing.gapDeviationsNs), a = ms(timing.gapDeviationsNs, abs: true), f = ms(timing.firstDeviationsNs)
            print("--timing recorded, \(timing.streams) concurrent streams (replayed − recorded, ms):")
            print(String(format: "  chunk gap        p50 %+.3f  p90 %+.3f  p99 %+.3f   (%d gaps)", g[50] ?? .nan, g[90] ?? .nan, g[99] ?? .nan, timing.gapDeviationsNs.count))
            print(String(format: "  |chunk gap|      p50 %.3f   p90 %.3f   p99 %.3f", a[50] ?? .nan, a[90] ?? .nan, a[99] ?? .nan))
            print(String(format: "  first event      p50 %+.3f  p90 %+.3f  p99 %+.3f   (%d streams, %d errors)", f[50] ?? .nan, f[90] ?? .nan, f[99] ?? .nan,
                         timing.firstDeviationsNs.count, timing.errors))
        }
    }
}
