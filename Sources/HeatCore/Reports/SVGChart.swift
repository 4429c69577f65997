import Foundation

/// Inline SVG charts for the HTML report, generated as text (no scripts, no external resources).
///
/// Every chart has `role="img"`, a `<title>` and a `<desc>` referenced by `aria-labelledby`,
/// labelled axes with titles, and a `viewBox` so it scales with the page (the CSS gives it
/// `width: 100%`). All text passes through ``HTMLEscaping/escape(_:)``. Colours come from the
/// ``ReportPalette``; the series of line charts also differ by dash pattern, so they can be told
/// apart without colour.
enum SVGChart {
    /// One bar of a horizontal bar chart.
    struct Bar: Sendable, Equatable {
        /// The category label, left of the bar.
        var label: String
        /// The bar's value.
        var value: Double
        /// The text shown right of the plot for this bar.
        var valueLabel: String
        /// The bar's colour.
        var color: ReportColor
    }

    /// One series of a line or curve chart.
    struct Series: Sendable, Equatable {
        /// The legend name.
        var name: String
        /// The stroke colour.
        var color: ReportColor
        /// An SVG `stroke-dasharray`, or `nil` for a solid line.
        var dash: String?
        /// The points, in drawing order.
        var points: [(x: Double, y: Double)]
        /// Whether to draw a marker at each point.
        var markers: Bool

        static func == (lhs: Series, rhs: Series) -> Bool {
            lhs.name == rhs.name && lhs.color == rhs.color && lhs.dash == rhs.dash && lhs.markers == rhs.markers
                && lhs.points.map(\.x) == rhs.points.map(\.x) && lhs.points.map(\.y) == rhs.points.map(\.y)
        }
    }

    /// Dash patterns given to successive series.
    static let dashes: [String?] = [nil, "7 4", "2 3", "9 3 2 3"]

    static func f(_ value: Double) -> String { ReportNumberFormat.plain(value, decimals: 1) }

    static func e(_ text: String) -> String { HTMLEscaping.escape(text) }

    /// The opening tag with the accessible name and description.
    static func open(id: String, width: Double, height: Double, title: String, description: String) -> String {
        """
        <svg class="chart" id="\(e(id))" viewBox="0 0 \(f(width)) \(f(height))" role="img" \
        aria-labelledby="\(e(id))-title \(e(id))-desc" xmlns="http://www.w3.org/2000/svg" \
        preserveAspectRatio="xMidYMid meet"><title id="\(e(id))-title">\(e(title))</title>\
        <desc id="\(e(id))-desc">\(e(description))</desc>
        """
    }

    /// A text element.
    static func text(
        _ content: String, x: Double, y: Double, anchor: String = "start", className: String = "tick",
        rotate: Bool = false, fill: ReportColor? = nil
    ) -> String {
        let transform = rotate ? " transform=\"rotate(-90 \(f(x)) \(f(y)))\"" : ""
        let fillAttribute = fill.map { " fill=\"\($0.css)\"" } ?? ""
        return "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" class=\"\(className)\"\(fillAttribute)\(transform)>\(e(content))</text>"
    }

    /// Horizontal bars, one row per category, values listed right of the plot.
    ///
    /// - Parameters:
    ///   - id: the element id (also prefixes the title and description ids).
    ///   - title: the accessible title.
    ///   - description: the accessible description (what the chart shows, in one sentence).
    ///   - bars: the bars, top to bottom.
    ///   - axisTitle: the value axis title.
    ///   - palette: the colours.
    ///   - compact: the phone layout (360 wide): each label and value above its bar.
    /// - Returns: the SVG element.
    static func horizontalBars(
        id: String, title: String, description: String, bars: [Bar], axisTitle: String, palette: ReportPalette,
        compact: Bool = false
    ) -> String {
        if compact {
            return stackedBars(id: id, title: title, description: description, bars: bars, axisTitle: axisTitle, palette: palette)
        }
        let width = 640.0
        let longestLabel = bars.map(\.label.count).max() ?? 4
        let longestValue = bars.map(\.valueLabel.count).max() ?? 4
        let plotLeft = min(240, max(64, Double(longestLabel) * 7.4 + 14))
        let plotRight = width - min(200, max(48, Double(longestValue) * 7.4 + 14))
        let rowHeight = 26.0, top = 8.0
        let plotBottom = top + rowHeight * Double(max(bars.count, 1))
        let height = plotBottom + 46
        let values = bars.map(\.value).filter(\.isFinite)
        let axis = ChartAxis.nice(minimum: min(0, values.min() ?? 0), maximum: max(0, values.max() ?? 1), count: 4)
        var svg = open(id: id, width: width, height: height, title: title, description: description)
        for tick in axis.ticks {
            let x = axis.position(tick, from: plotLeft, to: plotRight)
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(plotBottom))\" stroke=\"\(palette.grid.css)\"/>"
            svg += text(axis.label(tick), x: x, y: plotBottom + 16, anchor: "middle")
        }
        let zero = axis.position(0, from: plotLeft, to: plotRight)
        for (index, bar) in bars.enumerated() {
            let y = top + rowHeight * Double(index)
            let end = axis.position(bar.value, from: plotLeft, to: plotRight)
            let x = min(zero, end), barWidth = bar.value.isFinite ? max(abs(end - zero), bar.value == 0 ? 0 : 1) : 0
            svg += text(bar.label, x: plotLeft - 8, y: y + 17, anchor: "end", className: "label")
            svg += "<rect x=\"\(f(x))\" y=\"\(f(y + 5))\" width=\"\(f(barWidth))\" height=\"16\" fill=\"\(bar.color.css)\">"
            svg += "<title>\(e(bar.label)): \(e(bar.valueLabel))</title></rect>"
            svg += text(bar.valueLabel, x: plotRight + 8, y: y + 17, className: "value")
        }
        svg += "<line x1=\"\(f(zero))\" y1=\"\(f(top))\" x2=\"\(f(zero))\" y2=\"\(f(plotBottom))\" stroke=\"\(palette.ink.css)\"/>"
        svg += text(axisTitle, x: (plotLeft + plotRight) / 2, y: plotBottom + 38, anchor: "middle", className: "axis-title")
        return svg + "</svg>"
    }

    /// The phone layout of ``horizontalBars(id:title:description:bars:axisTitle:palette:compact:)``:
    /// 360 wide, each row a text line (`label: value`) above a full-width bar.
    static func stackedBars(
        id: String, title: String, description: String, bars: [Bar], axisTitle: String, palette: ReportPalette
    ) -> String {
        let width = 360.0, left = 10.0, right = width - 14, rowHeight = 40.0, top = 4.0
        let plotBottom = top + rowHeight * Double(max(bars.count, 1))
        let height = plotBottom + 44
        let values = bars.map(\.value).filter(\.isFinite)
        let axis = ChartAxis.nice(minimum: min(0, values.min() ?? 0), maximum: max(0, values.max() ?? 1), count: 4)
        var svg = open(id: id, width: width, height: height, title: title, description: description)
        for tick in axis.ticks {
            let x = axis.position(tick, from: left, to: right)
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(plotBottom))\" stroke=\"\(palette.grid.css)\"/>"
            let anchor = tick == axis.ticks.first ? "start" : (tick == axis.ticks.last ? "end" : "middle")
            svg += text(axis.label(tick), x: x, y: plotBottom + 16, anchor: anchor)
        }
        let zero = axis.position(0, from: left, to: right)
        for (index, bar) in bars.enumerated() {
            let y = top + rowHeight * Double(index)
            let end = axis.position(bar.value, from: left, to: right)
            let x = min(zero, end), barWidth = bar.value.isFinite ? max(abs(end - zero), bar.value == 0 ? 0 : 1) : 0
            svg += "<text x=\"\(f(left))\" y=\"\(f(y + 15))\" class=\"label\">\(e(bar.label))"
            svg += "<tspan class=\"value\" dx=\"8\">\(e(bar.valueLabel))</tspan></text>"
            svg += "<rect x=\"\(f(x))\" y=\"\(f(y + 21))\" width=\"\(f(barWidth))\" height=\"14\" fill=\"\(bar.color.css)\">"
            svg += "<title>\(e(bar.label)): \(e(bar.valueLabel))</title></rect>"
        }
        svg += "<line x1=\"\(f(zero))\" y1=\"\(f(top + 18))\" x2=\"\(f(zero))\" y2=\"\(f(plotBottom))\" stroke=\"\(palette.ink.css)\"/>"
        svg += text(axisTitle, x: (left + right) / 2, y: plotBottom + 36, anchor: "middle", className: "axis-title")
        return svg + "</svg>"
    }

    /// Vertical bars over ordered categories (the heat histogram).
    ///
    /// - Parameters:
    ///   - id: the element id.
    ///   - title: the accessible title.
    ///   - description: the accessible description.
    ///   - bins: the bins, left to right, as `(from, to, count, open)`; an open bin (the last,
    ///     collecting every client from `from` up) is drawn lighter with a dashed outline and
    ///     labelled `≥ from`, and no upper bound is printed for it.
    ///   - xTitle: the horizontal axis title.
    ///   - yTitle: the vertical axis title.
    ///   - palette: the colours.
    ///   - width: the viewBox width (640 for screens, 360 for phones).
    /// - Returns: the SVG element.
    static func histogram(
        id: String, title: String, description: String, bins: [(from: Int, to: Int, count: Int, open: Bool)],
        xTitle: String, yTitle: String, palette: ReportPalette, width: Double = 640
    ) -> String {
        let height = width < 500 ? 280.0 : 300.0
        let left = width < 500 ? 48.0 : 60.0, right = width - 20, top = 12.0, bottom = height - 58
        let axis = ChartAxis.nice(minimum: 0, maximum: Double(bins.map(\.count).max() ?? 1), count: 5)
        var svg = open(id: id, width: width, height: height, title: title, description: description)
        svg += yGrid(axis: axis, left: left, right: right, top: top, bottom: bottom, palette: palette)
        let slot = (right - left) / Double(max(bins.count, 1))
        let labelEvery = max(1, Int((Double(bins.count) / (width < 500 ? 5 : 8)).rounded(.up)))
        let tick = ChartAxis(lower: 0, upper: 0, ticks: [])
        for (index, bin) in bins.enumerated() {
            let x = left + slot * Double(index)
            let y = axis.position(Double(bin.count), from: bottom, to: top)
            if bin.open {
                svg += "<rect class=\"open-bin\" x=\"\(f(x + 1.5))\" y=\"\(f(y))\" width=\"\(f(max(slot - 3, 1)))\" height=\"\(f(bottom - y))\" "
                    + "fill=\"\(palette.bar.css)\" fill-opacity=\"0.35\" stroke=\"\(palette.bar.css)\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\">"
                svg += "<title>heat \(bin.from) and above (open bin, up to \(bin.to - 1)): \(bin.count) clients</title></rect>"
                // The open bin's own label, under its bar; it replaces the regular tick there.
                svg += text("≥ " + tick.label(Double(bin.from)), x: x + slot / 2, y: bottom + 30, anchor: "middle", className: "tick open-label")
            } else {
                svg += "<rect x=\"\(f(x + 1))\" y=\"\(f(y))\" width=\"\(f(max(slot - 2, 1)))\" height=\"\(f(bottom - y))\" fill=\"\(palette.bar.css)\">"
                svg += "<title>heat \(bin.from) to \(bin.to): \(bin.count) clients</title></rect>"
            }
            if index % labelEvery == 0, !bin.open {
                svg += text(tick.label(Double(bin.from)), x: x, y: bottom + 16, anchor: "middle")
            }
        }
        if let last = bins.last, !last.open, bins.count % labelEvery == 0 {
            svg += text(tick.label(Double(last.to)), x: right, y: bottom + 16, anchor: "middle")
        }
        svg += axes(left: left, right: right, top: top, bottom: bottom, palette: palette)
        svg += text(xTitle, x: (left + right) / 2, y: height - 18, anchor: "middle", className: "axis-title")
        svg += text(yTitle, x: 16, y: (top + bottom) / 2, anchor: "middle", className: "axis-title", rotate: true)
        return svg + "</svg>"
    }

    /// Lines over evenly spaced categories (weeks), with a legend above the plot.
    ///
    /// - Parameters:
    ///   - id: the element id.
    ///   - title: the accessible title.
    ///   - description: the accessible description.
    ///   - categories: the x categories, left to right.
    ///   - series: the series; each point's `x` is a category index.
    ///   - xTitle: the horizontal axis title.
    ///   - yTitle: the vertical axis title.
    ///   - palette: the colours.
    ///   - width: the viewBox width (640 for screens, 360 for phones).
    /// - Returns: the SVG element.
    static func lines(
        id: String, title: String, description: String, categories: [String], series: [Series],
        xTitle: String, yTitle: String, palette: ReportPalette, width: Double = 640
    ) -> String {
        let narrow = width < 500
        let height = narrow ? 320.0 : 330.0
        let left = narrow ? 48.0 : 60.0, right = width - 20, top = narrow ? 58.0 : 40.0, bottom = height - 58
        let maximum = series.flatMap { $0.points.map(\.y) }.max() ?? 1
        let axis = ChartAxis.nice(minimum: 0, maximum: maximum, count: 5)
        var svg = open(id: id, width: width, height: height, title: title, description: description)
        if narrow, series.count > 2 {
            svg += legend(series: Array(series.prefix(2)), x: 10, y: 14, palette: palette)
            svg += legend(series: Array(series.dropFirst(2)), x: 10, y: 36, palette: palette)
        } else {
            svg += legend(series: series, x: narrow ? 10 : left, y: 16, palette: palette)
        }
        svg += yGrid(axis: axis, left: left, right: right, top: top, bottom: bottom, palette: palette)
        let span = Double(max(categories.count - 1, 1))
        func xPosition(_ index: Double) -> Double { categories.count == 1 ? (left + right) / 2 : left + index / span * (right - left) }
        let labelEvery = max(1, Int((Double(categories.count) / (narrow ? 3 : 6)).rounded(.up)))
        for (index, category) in categories.enumerated() where index % labelEvery == 0 {
            let x = xPosition(Double(index))
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(bottom))\" x2=\"\(f(x))\" y2=\"\(f(bottom + 4))\" stroke=\"\(palette.ink.css)\"/>"
            // Labels near the right edge end there, so they are never clipped.
            let anchor = x > right - 36 ? "end" : (x < left + 10 && narrow ? "start" : "middle")
            svg += text(category, x: x, y: bottom + 18, anchor: anchor)
        }
        for item in series {
            let coordinates = item.points.map { "\(f(xPosition($0.x))),\(f(axis.position($0.y, from: bottom, to: top)))" }
            let dash = item.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            svg += "<polyline fill=\"none\" stroke=\"\(item.color.css)\" stroke-width=\"2.2\"\(dash) points=\"\(coordinates.joined(separator: " "))\">"
            svg += "<title>\(e(item.name))</title></polyline>"
            if item.markers {
                for point in item.points {
                    svg += "<circle cx=\"\(f(xPosition(point.x)))\" cy=\"\(f(axis.position(point.y, from: bottom, to: top)))\" r=\"2.6\" fill=\"\(item.color.css)\"/>"
                }
            }
        }
        svg += axes(left: left, right: right, top: top, bottom: bottom, palette: palette)
        svg += text(xTitle, x: (left + right) / 2, y: height - 16, anchor: "middle", className: "axis-title")
        svg += text(yTitle, x: 16, y: (top + bottom) / 2, anchor: "middle", className: "axis-title", rotate: true)
        return svg + "</svg>"
    }

    /// Curves on the unit square (ROC, precision-recall, calibration), optionally with the
    /// diagonal `y = x` as a reference.
    ///
    /// - Parameters:
    ///   - id: the element id.
    ///   - title: the accessible title.
    ///   - description: the accessible description.
    ///   - series: the curves; points outside `0...1` are clamped.
    ///   - xTitle: the horizontal axis title.
    ///   - yTitle: the vertical axis title.
    ///   - diagonal: the name of the diagonal reference line, or `nil` for none.
    ///   - palette: the colours.
    /// - Returns: the SVG element.
    static func unitCurves(
        id: String, title: String, description: String, series: [Series], xTitle: String, yTitle: String,
        diagonal: String?, palette: ReportPalette
    ) -> String {
        let width = 380.0, height = 380.0
        let left = 60.0, right = width - 18, top = 40.0, bottom = height - 56
        let axis = ChartAxis.unit
        var legendSeries = series
        if let diagonal { legendSeries.append(Series(name: diagonal, color: palette.reference, dash: "4 4", points: [], markers: false)) }
        var svg = open(id: id, width: width, height: height, title: title, description: description)
        svg += legend(series: legendSeries, x: left, y: 16, palette: palette)
        svg += yGrid(axis: axis, left: left, right: right, top: top, bottom: bottom, palette: palette)
        for tick in axis.ticks {
            let x = axis.position(tick, from: left, to: right)
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(bottom))\" stroke=\"\(palette.grid.css)\"/>"
            svg += text(axis.label(tick), x: x, y: bottom + 16, anchor: "middle")
        }
        if diagonal != nil {
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(bottom))\" x2=\"\(f(right))\" y2=\"\(f(top))\" stroke=\"\(palette.reference.css)\" stroke-width=\"1.5\" stroke-dasharray=\"4 4\"/>"
        }
        for item in series {
            let coordinates = item.points.map {
                "\(f(axis.position($0.x, from: left, to: right))),\(f(axis.position($0.y, from: bottom, to: top)))"
            }
            let dash = item.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            svg += "<polyline fill=\"none\" stroke=\"\(item.color.css)\" stroke-width=\"2.4\"\(dash) points=\"\(coordinates.joined(separator: " "))\">"
            svg += "<title>\(e(item.name))</title></polyline>"
            if item.markers {
                for point in item.points {
                    svg += "<circle cx=\"\(f(axis.position(point.x, from: left, to: right)))\" cy=\"\(f(axis.position(point.y, from: bottom, to: top)))\" r=\"3.5\" fill=\"\(item.color.css)\"/>"
                }
            }
        }
        svg += axes(left: left, right: right, top: top, bottom: bottom, palette: palette)
        svg += text(xTitle, x: (left + right) / 2, y: height - 16, anchor: "middle", className: "axis-title")
        svg += text(yTitle, x: 16, y: (top + bottom) / 2, anchor: "middle", className: "axis-title", rotate: true)
        return svg + "</svg>"
    }

    /// Horizontal grid lines with y tick labels.
    static func yGrid(axis: ChartAxis, left: Double, right: Double, top: Double, bottom: Double, palette: ReportPalette) -> String {
        var svg = ""
        for tick in axis.ticks {
            let y = axis.position(tick, from: bottom, to: top)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(right))\" y2=\"\(f(y))\" stroke=\"\(palette.grid.css)\"/>"
            svg += text(axis.label(tick), x: left - 6, y: y + 4, anchor: "end")
        }
        return svg
    }

    /// The x and y axis lines.
    static func axes(left: Double, right: Double, top: Double, bottom: Double, palette: ReportPalette) -> String {
        "<path d=\"M\(f(left)) \(f(top))V\(f(bottom))H\(f(right))\" fill=\"none\" stroke=\"\(palette.ink.css)\"/>"
    }

    /// A one-row legend: a line sample in each series' colour and dash, then its name.
    static func legend(series: [Series], x: Double, y: Double, palette: ReportPalette) -> String {
        var svg = "<g class=\"legend\">"
        var cursor = x
        for item in series {
            let dash = item.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            svg += "<line x1=\"\(f(cursor))\" y1=\"\(f(y))\" x2=\"\(f(cursor + 24))\" y2=\"\(f(y))\" stroke=\"\(item.color.css)\" stroke-width=\"2.6\"\(dash)/>"
            svg += text(item.name, x: cursor + 30, y: y + 4, className: "label")
            cursor += 30 + Double(item.name.count) * 7.6 + 18
        }
        return svg + "</g>"
    }
}
