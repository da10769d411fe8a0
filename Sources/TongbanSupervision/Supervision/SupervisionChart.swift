import Foundation
import TongbanCore
import TongbanPlatform

/// The trend as an inline SVG made on the server (no script, no external library): cases per
/// bucket as bars against the left scale, the on-time rate as a line against the right (0–100 %).
package enum SupervisionChart {
    package static func svg(_ trend: [(start: CalendarDate, totals: SupervisionTotals)], step: TrendStep, title: String) -> String {
        guard !trend.isEmpty else { return "" }
        let slot = max(8, min(40, 720 / trend.count))
        let left = 44
        let right = 40
        let plotTop = 12
        let plotBottom = 170
        let width = left + slot * trend.count + right
        let height = 200
        let top = niceCeiling(trend.map(\.totals.cases).max() ?? 0)
        func y(_ v: Double, of max: Double) -> Int { plotBottom - Int((v / max * Double(plotBottom - plotTop)).rounded()) }
        func label(_ d: CalendarDate) -> String {
            switch step {
            case .month: return "\(d.year)-\(d.month < 10 ? "0" : "")\(d.month)"
            default: return "\(d.month < 10 ? "0" : "")\(d.month)-\(d.day < 10 ? "0" : "")\(d.day)"
            }
        }
        var parts = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" class=\"chart\"><title>\(escape(title))</title>"
        ]
        parts.append("<line x1=\"\(left)\" y1=\"\(plotBottom)\" x2=\"\(width - right)\" y2=\"\(plotBottom)\" stroke=\"#888\"/>")
        parts.append(
            "<text x=\"2\" y=\"\(plotTop + 4)\" font-size=\"10\">\(top)</text><text x=\"2\" y=\"\(plotBottom + 4)\" font-size=\"10\">0</text>"
        )
        parts.append("<text x=\"\(width - right + 4)\" y=\"\(plotTop + 4)\" font-size=\"10\" fill=\"#1d7a46\">100%</text>")
        parts.append("<text x=\"\(width - right + 4)\" y=\"\(plotBottom + 4)\" font-size=\"10\" fill=\"#1d7a46\">0%</text>")
        let every = max(1, Int((Double(trend.count) * 44 / Double(slot * trend.count)).rounded(.up)))
        var points: [String] = []
        for (i, bucket) in trend.enumerated() {
            let x = left + i * slot
            let cases = bucket.totals.cases
            let barTop = y(Double(cases), of: Double(top))
            parts.append(
                "<rect x=\"\(x + 1)\" y=\"\(barTop)\" width=\"\(max(2, slot - 3))\" height=\"\(plotBottom - barTop)\" fill=\"#5b8def\"><title>\(label(bucket.start)) \(cases)</title></rect>"
            )
            if i % every == 0 { parts.append("<text x=\"\(x)\" y=\"\(plotBottom + 14)\" font-size=\"9\">\(label(bucket.start))</text>") }
            if let rate = bucket.totals.onTimeRate.value { points.append("\(x + slot / 2),\(y(rate, of: 1))") }
        }
        if points.count > 1 {
            parts.append("<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"#1d7a46\" stroke-width=\"2\"/>")
        }
        parts.append("</svg>")
        return parts.joined()
    }

    /// 1, 2 or 5 times a power of ten, at least the value (and at least 1).
    package static func niceCeiling(_ value: Int) -> Int {
        guard value > 1 else { return 1 }
        var power = 1
        while power * 10 < value { power *= 10 }
        for factor in [1, 2, 5, 10] where factor * power >= value { return factor * power }
        return value
    }

    package static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;")
    }
}
