extension QuantizedPipeline {
    /// Checks that a decoded integer pipeline can be used safely, so that a corrupted or crafted
    /// file is a clear error instead of a crash or a hang: a known format version, one code range
    /// or bin list per preprocessing output, bits within range, finite positive steps and scales,
    /// sorted finite cuts, every tree a tree (indices in range, acyclic, no unreachable node,
    /// thresholds on existing bins), integer values within their bits, and the stated largest
    /// score equal to the one recomputed (without overflow).
    ///
    /// ```swift
    /// let pipeline = try JSONDecoder().decode(QuantizedPipeline.self, from: payload)
    /// try pipeline.validate(source: "churn.q8")
    /// ```
    ///
    /// - Parameter source: the file name for messages.
    /// - Throws: ``HeatMLError/badModel(source:reason:)`` naming what is wrong.
    public func validate(source: String) throws(HeatMLError) {
        func bad(_ reason: String) -> HeatMLError { .badModel(source: source, reason: reason) }
        guard formatVersion >= 1, formatVersion <= Self.currentFormatVersion else {
            throw bad("format version \(formatVersion) is not one this version reads (1...\(Self.currentFormatVersion))")
        }
        let features = transformer.featureNames.count
        guard features > 0 else { throw bad("the preprocessing makes no feature") }
        func checkedSum(_ values: [Int]) throws(HeatMLError) -> Int {
            var total = 0
            for value in values {
                let (sum, overflow) = total.addingReportingOverflow(value)
                guard !overflow else { throw bad("the largest possible score overflows a 64-bit integer") }
                total = sum
            }
            return total
        }
        switch model {
        case let .logistic(regression):
            guard (1...16).contains(regression.bits) else { throw bad("bits \(regression.bits) is outside 1...16") }
            guard (2...30).contains(regression.weightBits) else { throw bad("weightBits \(regression.weightBits) is outside 2...30") }
            guard regression.features.count == features, regression.weights.count == features else {
                throw bad("\(regression.features.count) code ranges and \(regression.weights.count) weights for \(features) features")
            }
            let levels = 1 << regression.bits
            for (index, quantizer) in regression.features.enumerated() {
                guard quantizer.levels == levels else { throw bad("feature \(index): \(quantizer.levels) levels where bits \(regression.bits) give \(levels)") }
                guard quantizer.lowerBound.isFinite, quantizer.step.isFinite, quantizer.step > 0 else {
                    throw bad("feature \(index): the code range needs a finite lower bound and a finite positive step")
                }
            }
            let limit = 1 << (regression.weightBits - 1)
            guard regression.weights.allSatisfy({ abs($0) <= limit }), abs(regression.bias) <= 1 << 62 else {
                throw bad("a weight does not fit in \(regression.weightBits) bits, or the bias is out of range")
            }
            guard regression.scale.isFinite, regression.scale > 0 else { throw bad("the scale must be a finite positive number") }
            let largest = try checkedSum([abs(regression.bias)] + regression.weights.map { abs($0) * (levels - 1) })
            guard largest == regression.maximumAbsoluteScore else {
                throw bad("maximumAbsoluteScore \(regression.maximumAbsoluteScore) differs from the recomputed \(largest)")
            }
        case let .trees(ensemble):
            guard (1...16).contains(ensemble.bits) else { throw bad("bits \(ensemble.bits) is outside 1...16") }
            guard (2...30).contains(ensemble.leafBits) else { throw bad("leafBits \(ensemble.leafBits) is outside 2...30") }
            guard ensemble.cuts.count == features else { throw bad("\(ensemble.cuts.count) bin lists for \(features) features") }
            for (index, cuts) in ensemble.cuts.enumerated() {
                guard cuts.count < 1 << ensemble.bits else { throw bad("feature \(index): \(cuts.count) cuts do not fit \(ensemble.bits) bits") }
                guard cuts.allSatisfy(\.isFinite), zip(cuts, cuts.dropFirst()).allSatisfy({ $0 < $1 }) else {
                    throw bad("feature \(index): the cuts must be finite and strictly increasing")
                }
            }
            guard ensemble.scale.isFinite, ensemble.scale > 0 else { throw bad("the scale must be a finite positive number") }
            guard abs(ensemble.base) <= 1 << 62 else { throw bad("the base score is out of range") }
            let limit = 1 << (ensemble.leafBits - 1)
            var largestLeaves: [Int] = [abs(ensemble.base)]
            for (t, nodes) in ensemble.trees.enumerated() {
                func fail(_ node: Int, _ reason: String) -> HeatMLError { bad("tree \(t), node \(node): \(reason)") }
                guard !nodes.isEmpty else { throw bad("tree \(t) has no node") }
                var visited = [Bool](repeating: false, count: nodes.count)
                var stack = [0]
                var reached = 0
                var largest = 0
                while let i = stack.popLast() {
                    guard !visited[i] else { throw fail(i, "reached twice (the tree has a cycle or a shared node)") }
                    visited[i] = true
                    reached += 1
                    let node = nodes[i]
                    if node.feature < 0 {
                        guard node.feature == -1, node.left == -1, node.right == -1 else { throw fail(i, "a leaf must have feature -1 and children -1") }
                        guard abs(node.value) <= limit else { throw fail(i, "the leaf value does not fit in \(ensemble.leafBits) bits") }
                        largest = max(largest, abs(node.value))
                        continue
                    }
                    guard node.feature < features else { throw fail(i, "feature \(node.feature) is out of range 0..<\(features)") }
                    guard node.threshold >= 0, node.threshold <= ensemble.cuts[node.feature].count + 1 else {
                        throw fail(i, "threshold \(node.threshold) is not a bin of feature \(node.feature)")
                    }
                    for child in [node.left, node.right] {
                        guard child >= 0, child < nodes.count else { throw fail(i, "child index \(child) is out of range 0..<\(nodes.count)") }
                        stack.append(child)
                    }
                }
                guard reached == nodes.count else { throw bad("tree \(t): \(nodes.count - reached) node(s) are not reachable from the root") }
                largestLeaves.append(largest)
            }
            let largest = try checkedSum(largestLeaves)
            guard largest == ensemble.maximumAbsoluteScore else {
                throw bad("maximumAbsoluteScore \(ensemble.maximumAbsoluteScore) differs from the recomputed \(largest)")
            }
        }
    }
}
