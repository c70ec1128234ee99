/// A small line/scatter chart rendered as inline SVG (no scripts, no external files).
public struct SVGChart: Sendable {
    /// One data series.
    public struct Series: Sendable {
        /// Legend text.
        public var name: String
        /// Stroke colour (CSS).
        public var color: String
        /// Points, in data units.
        public var points: [(x: Double, y: Double)]
        /// Draw point markers.
        public var markers: Bool
        /// A series.
        public init(name: String, color: String, points: [(x: Double, y: Double)], markers: Bool = true) {
            self.name = name; self.color = color; self.points = points; self.markers = markers
        }
    }

    /// A horizontal reference line (a tier threshold).
    public struct Rule: Sendable {
        /// The y value.
        public var y: Double
        /// Its label.
        public var label: String
        /// Colour.
        public var color: String
        /// A rule.
        public init(y: Double, label: String, color: String) { self.y = y; self.label = label; self.color = color }
    }

    /// Title above the plot.
    public var title: String
    /// Axis labels.
    public var xLabel: String, yLabel: String
    /// Log₂ x axis (agent counts grow by doubling).
    public var xLog: Bool
    /// The series.
    public var series: [Series]
    /// Reference lines.
    public var rules: [Rule]
    /// Size in pixels.
    public var width = 620, height = 330

    /// A chart.
    public init(title: String, xLabel: String, yLabel: String, xLog: Bool = false, series: [Series], rules: [Rule] = []) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.xLog = xLog; self.series = series; self.rules = rules
    }

    /// The SVG element.
    public func render() -> String {
        let l = 64.0, r = 16.0, t = 34.0, b = 48.0
        let pw = Double(width) - l - r, ph = Double(height) - t - b
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.map(\.y) } + rules.map(\.y)
        // The legend goes below the x axis label, in as many rows as it needs, so it never covers data.
        var legend: [(x: Double, row: Int, series: Series)] = []
        if series.count > 1 {
            var lx = l, row = 0
            for s in series {
                let w = 22 + Double(s.name.count) * 6.2
                if lx + w > l + pw, lx > l { lx = l; row += 1 }
                legend.append((lx, row, s))
                lx += w
            }
        }
        let legendHeight = legend.isEmpty ? 0 : (legend.map(\.row).max() ?? 0) * 15 + 22
        let fullHeight = height + legendHeight
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(fullHeight)\" viewBox=\"0 0 \(width) \(fullHeight)\" class=\"chart\">"
        out += "<text x=\"\(l)\" y=\"20\" class=\"title\">\(HTML.escape(title))</text>"
        guard let x0 = xs.min(), let x1 = xs.max(), let yMaxData = ys.max() else {
            return out + "<text x=\"\(l + 10)\" y=\"\(t + ph / 2)\" class=\"axis\">no data</text></svg>"
        }
        let (xa, xb) = xLog ? (log2(max(x0, 1e-9)), log2(max(x1, 1e-9))) : (min(0, x0), x1)
        let xSpan = xb - xa > 0 ? xb - xa : 1
        let yTicks = Self.niceTicks(max: yMaxData > 0 ? yMaxData : 1)
        let yTop = yTicks.last ?? 1
        func px(_ x: Double) -> Double { l + ((xLog ? log2(max(x, 1e-9)) : x) - xa) / xSpan * pw * 0.94 + pw * 0.03 }
        func py(_ y: Double) -> Double { t + ph - max(0, min(y, yTop)) / yTop * ph }
        // Grid and y ticks.
        for v in yTicks {
            out += "<line x1=\"\(f(l))\" y1=\"\(f(py(v)))\" x2=\"\(f(l + pw))\" y2=\"\(f(py(v)))\" class=\"grid\"/>"
            out += "<text x=\"\(f(l - 6))\" y=\"\(f(py(v) + 4))\" class=\"axis\" text-anchor=\"end\">\(Self.label(v))</text>"
        }
        // X ticks: the distinct x values for log axes (agent counts), else nice ticks.
        let xTicks = xLog ? Array(Set(xs)).sorted() : Self.niceTicks(max: x1)
        var lastLabelX = -1000.0
        for v in xTicks {
            let x = px(v)
            out += "<line x1=\"\(f(x))\" y1=\"\(f(t + ph))\" x2=\"\(f(x))\" y2=\"\(f(t + ph + 4))\" class=\"tick\"/>"
            if x - lastLabelX >= 26 {
                out += "<text x=\"\(f(x))\" y=\"\(f(t + ph + 17))\" class=\"axis\" text-anchor=\"middle\">\(Self.label(v))</text>"
                lastLabelX = x
            }
        }
        out += "<line x1=\"\(f(l))\" y1=\"\(f(t + ph))\" x2=\"\(f(l + pw))\" y2=\"\(f(t + ph))\" class=\"axisline\"/>"
        out += "<line x1=\"\(f(l))\" y1=\"\(f(t))\" x2=\"\(f(l))\" y2=\"\(f(t + ph))\" class=\"axisline\"/>"
        out += "<text x=\"\(f(l + pw / 2))\" y=\"\(f(Double(height) - 8))\" class=\"axis\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        out += "<text transform=\"translate(14 \(f(t + ph / 2))) rotate(-90)\" class=\"axis\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>"
        for rule in rules {
            let y = py(rule.y)
            out += "<line x1=\"\(f(l))\" y1=\"\(f(y))\" x2=\"\(f(l + pw))\" y2=\"\(f(y))\" stroke=\"\(rule.color)\" class=\"rule\"/>"
            out += "<text x=\"\(f(l + pw - 4))\" y=\"\(f(y - 4))\" fill=\"\(rule.color)\" class=\"rulelabel\" text-anchor=\"end\">\(HTML.escape(rule.label))</text>"
        }
        for s in series where !s.points.isEmpty {
            let path = s.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"/>"
            if s.markers {
                for p in s.points {
                    out += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3.5\" fill=\"\(s.color)\"><title>\(Self.label(p.x)): \(Self.label(p.y))</title></circle>"
                }
            }
        }
        // Legend.
        for (lx, row, s) in legend {
            let ly = Double(height) + 4 + Double(row) * 15
            out += "<rect x=\"\(f(lx))\" y=\"\(f(ly))\" width=\"10\" height=\"10\" fill=\"\(s.color)\"/>"
            out += "<text x=\"\(f(lx + 14))\" y=\"\(f(ly + 9))\" class=\"legend\">\(HTML.escape(s.name))</text>"
        }
        return out + "</svg>"
    }

    func f(_ v: Double) -> String { String((v * 10).rounded() / 10) }

    /// Round tick values from 0 to at least `max`.
    static func niceTicks(max: Double) -> [Double] {
        let raw = max / 5
        var step = 1.0
        while step * 10 <= raw { step *= 10 }
        while step > raw * 1.0001 && step > 1e-9 { step /= 10 }
        for m in [1.0, 2, 2.5, 5, 10] where step * m >= raw { step *= m; break }
        var ticks: [Double] = []
        var v = 0.0
        while v < max + step * 0.999 && ticks.count < 12 { ticks.append(v); v += step }
        return ticks
    }

    /// A compact number label.
    static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int64(v)) }
        if abs(v) >= 100 { return String(Int64(v.rounded())) }
        if abs(v) >= 1 { return String((v * 10).rounded() / 10) }
        return String((v * 1000).rounded() / 1000)
    }
}

func log2(_ x: Double) -> Double {
    var v = x, e = 0.0
    // Enough precision for axis placement without Foundation.
    while v >= 2 { v /= 2; e += 1 }
    while v < 1 { v *= 2; e -= 1 }
    // log2(v) for v in [1, 2): series of ln(v)/ln(2).
    let y = (v - 1) / (v + 1)
    var sum = 0.0, term = y
    var k = 1.0
    while k < 30 { sum += term / k; term *= y * y; k += 2 }
    return e + 2 * sum / 0.693_147_180_559_945_3
}
