import Foundation
import HeatEnvelope
import HeatFHE
import HeatML

/// What can go wrong when scoring gradient-boosted trees on ciphertexts (issue 15 item 3).
///
/// Every case names the file or field at fault and maps to an exit code of DESIGN.md section 8;
/// no message contains a client identifier or a feature value.
///
/// ```swift
/// do {
///     _ = try EncryptedTreeModel(pipeline: quantized, source: "churn.q8")
/// } catch {
///     print(error.category.exitCode)   // 65 for a logistic model
/// }
/// ```
public enum TreeScoringError: ClassifiedError, Equatable {
    /// A model the tree circuit cannot run (`source` the model file, `reason` which field).
    case unsupportedModel(source: String, reason: String)
    /// The keys' parameters cannot hold the score sum or the noise of a depth-2 circuit.
    case parametersTooSmall(preset: String, reason: String, fitting: String?)
    /// The collector's inputs do not match the model (`field` names what differs).
    case inputMismatch(source: String, field: String, reason: String)
    /// The store's client directory changed since the collector encoded the bits (clients
    /// ingested, removed or moved): counts only, never identifiers.
    case staleDirectory(source: String, encodedOn: Int, now: Int)
    /// The scores' record of which clients were encoded is missing or does not match the store's
    /// directory, or the model in the scores is not the one whose plan the collector encoded.
    case coverageMismatch(source: String, reason: String)

    public var category: ErrorCategory {
        switch self {
        case .unsupportedModel, .inputMismatch, .staleDirectory, .coverageMismatch: .dataError
        case .parametersTooSmall: .unavailable
        }
    }

    public var description: String {
        switch self {
        case .unsupportedModel(let source, let reason):
            "\(source): the tree model cannot be scored on ciphertexts: \(reason)"
        case .parametersTooSmall(let preset, let reason, let fitting):
            "preset \(preset) cannot run the tree circuit: \(reason)\(fitting == nil ? "; no preset can" : "")"
        case .inputMismatch(let source, let field, let reason):
            "\(source): field \(field): \(reason)"
        case .staleDirectory(let source, let encodedOn, let now):
            "\(source): field coverage: the bits were encoded against a directory of \(encodedOn) clients, the store now holds \(now) "
                + "or a changed slot layout; clients ingested or moved since would decrypt to made-up scores"
        case .coverageMismatch(let source, let reason):
            "\(source): \(reason)"
        }
    }

    public var hint: String? {
        switch self {
        case .unsupportedModel:
            "quantize a boosted-tree pipeline of depth at most 4 with `heatctl ml quantize --bits 8`"
        case .parametersTooSmall(_, _, let fitting):
            fitting.map { "generate keys with `heatctl keys generate --preset \($0)`" }
                ?? "use fewer trees or fewer leaf bits (`heatctl ml quantize --value-bits`)"
        case .inputMismatch:
            "encode the bits with the split plan of the same model (`EncryptedTreeModel.plan`)"
        case .staleDirectory, .coverageMismatch:
            "encode again with `heatctl trees encode` against the current store, then `heatctl evaluate --tree-inputs`"
        }
    }
}

/// One split of a tree model as the collector sees it: a matrix column, the cut value and the
/// default direction of a missing value. A client goes **left** (bit 1) when its value is below
/// the cut, or when it is missing and ``missingGoesLeft``.
///
/// This equals ``HeatML/QuantizedTreeEnsemble``'s integer rule `bin(x) < threshold`: with the
/// sorted cuts `c`, `bin(x) = #{i : c_i <= x} >= threshold` exactly when `c[threshold - 1] <= x`.
///
/// ```swift
/// let split = TreeSplit(feature: 0, cut: 26, missingGoesLeft: true)
/// split.goesLeft(12)         // true
/// split.goesLeft(26)         // false: a value at the cut goes right
/// split.goesLeft(.nan)       // true
/// ```
public struct TreeSplit: Sendable, Codable, Hashable {
    /// The column of the transformed feature matrix (``TreeSplitPlan/columns``).
    public var feature: Int
    /// The cut: values strictly below it go left.
    public var cut: Double
    /// Where a missing value goes.
    public var missingGoesLeft: Bool

    /// Creates a split.
    ///
    /// - Parameters:
    ///   - feature: the matrix column.
    ///   - cut: the cut value.
    ///   - missingGoesLeft: the default direction.
    public init(feature: Int, cut: Double, missingGoesLeft: Bool) {
        self.feature = feature
        self.cut = cut
        self.missingGoesLeft = missingGoesLeft
    }

    /// Whether a value goes left at this split (the bit the collector encrypts).
    ///
    /// - Parameter x: the transformed feature value (`.nan` when missing).
    /// - Returns: `x < cut`, or ``missingGoesLeft`` for a missing value.
    public func goesLeft(_ x: Double) -> Bool {
        x.isNaN ? missingGoesLeft : x < cut
    }
}

/// What the collector holds of a tree model: the preprocessing and the distinct splits, **never
/// the leaf values** (they stay with the evaluator, as public plaintext multipliers, and with the
/// key holder). Split thresholds are what the collector must know to encode its plaintext
/// features; leaf values are the model's learned knowledge and the collector has no use for them.
///
/// ```swift
/// let plan = model.plan                                  // from the evaluator's model
/// let matrix = try plan.matrix(table)                    // the collector's features, transformed
/// let bits = plan.bits(row: matrix.row(0))               // one bit per split
/// ```
public struct TreeSplitPlan: Sendable, Codable, Equatable {
    /// The format identifier.
    public static let currentSchema = "customerheat.tree-splits/1"

    /// ``currentSchema``.
    public var schema: String
    /// The transformed matrix's columns (``HeatML/ColumnTransformer/featureNames``).
    public var columns: [String]
    /// The model's preprocessing (medians, scalers and one-hot categories are public).
    public var transformer: ColumnTransformer
    /// The distinct splits, in first-use order: bit `k` of a client is ``TreeSplit/goesLeft(_:)`` of split `k`.
    public var splits: [TreeSplit]

    /// Creates a plan.
    ///
    /// - Parameters:
    ///   - transformer: the preprocessing.
    ///   - splits: the distinct splits.
    public init(transformer: ColumnTransformer, splits: [TreeSplit]) {
        self.schema = Self.currentSchema
        self.columns = transformer.featureNames
        self.transformer = transformer
        self.splits = splits
    }

    /// The collector's raw feature table as the model sees it.
    ///
    /// - Parameter table: one row per client, with the model's input columns.
    /// - Returns: the transformed matrix (`.nan` for a missing value left by the preprocessing).
    /// - Throws: ``HeatML/HeatMLError`` for a missing column or a bad cell.
    public func matrix(_ table: DataTable) throws(HeatMLError) -> Matrix {
        try transformer.transform(table)
    }

    /// The bits of one transformed row: bit `k` is 1 when the row goes left at split `k`.
    ///
    /// - Parameter row: one value per ``columns`` entry.
    /// - Returns: one bit per split.
    public func bits(row: [Double]) -> [Bool] {
        splits.map { split in split.feature < row.count ? split.goesLeft(row[split.feature]) : split.missingGoesLeft }
    }
}

/// A boosted-tree churn model in the integer form the evaluator applies to the collector's
/// encrypted split bits (issue 15 item 3).
///
/// Made from a ``HeatML/QuantizedPipeline`` holding ``HeatML/QuantizedTreeEnsemble`` trees of
/// depth at most 4. Each node becomes one of the distinct splits of ``plan``; the collector
/// encrypts, per slot batch, one bit ciphertext per split (bit = the client goes left). The
/// evaluator computes every leaf's indicator as the product of its path's literals (`b` on a left
/// branch, `1 - b` on a right one) in multiplicative depth 2: the first two literals of a path
/// (a prefix shared by every leaf under the same depth-2 node) and the last two are each one
/// product of two bits, and the prefix multiplies the leaf-value-weighted sum of its suffixes.
/// `score = base + Σ_trees Σ_leaves value * indicator`; exactly one leaf per tree has indicator 1.
///
/// ```swift
/// let model = try EncryptedTreeModel(pipeline: quantized, source: "churn.q8")
/// try model.check(parameters: keys.context.parameters)   // exit 69 when t or the noise do not fit
/// let expected = model.score(row: matrix.row(0))          // equals the decrypted slot
/// ```
public struct EncryptedTreeModel: Sendable, Codable, Equatable {
    /// The deepest tree the depth-2 circuit evaluates.
    public static let maximumSupportedDepth = 4

    /// The integer trees.
    public let integer: QuantizedTreeEnsemble
    /// The collector's part: preprocessing and distinct splits.
    public let plan: TreeSplitPlan
    /// Per tree, per node: the index of the node's split in ``TreeSplitPlan/splits`` (-1 for a leaf).
    public let nodeSplits: [[Int]]
    /// The deepest leaf over all trees.
    public let depth: Int
    /// The positive class label.
    public let positiveLabel: String

    /// The stored fields (the derived ones are checked against a re-derivation on decode).
    enum CodingKeys: String, CodingKey {
        case integer, plan, nodeSplits, depth, positiveLabel
    }

    /// Decodes a model and validates it as ``init(ensemble:transformer:positiveLabel:source:)``
    /// does: the trees are re-derived from ``integer`` and the plan's preprocessing, and a stored
    /// ``plan``, ``nodeSplits`` or ``depth`` that differs from the derivation (a tampered or
    /// inconsistent header), a child index out of range, a cycle or a tree deeper than
    /// ``maximumSupportedDepth`` is refused.
    ///
    /// - Parameter decoder: the decoder.
    /// - Throws: `DecodingError.dataCorrupted` naming the field at fault.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let integer = try container.decode(QuantizedTreeEnsemble.self, forKey: .integer)
        let plan = try container.decode(TreeSplitPlan.self, forKey: .plan)
        let nodeSplits = try container.decode([[Int]].self, forKey: .nodeSplits)
        let depth = try container.decode(Int.self, forKey: .depth)
        let positiveLabel = try container.decode(String.self, forKey: .positiveLabel)
        let derived: EncryptedTreeModel
        do {
            derived = try EncryptedTreeModel(ensemble: integer, transformer: plan.transformer, positiveLabel: positiveLabel, source: "the tree model")
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
        self = derived
        for (field, matches) in [("plan", self.plan == plan), ("nodeSplits", self.nodeSplits == nodeSplits), ("depth", self.depth == depth)]
        where !matches {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "field \(field): does not match the model's trees (an inconsistent or altered model)"))
        }
    }

    /// The integer base score.
    public var base: Int { integer.base }
    /// The largest `|score|` any input can produce.
    public var maximumAbsoluteScore: Int { integer.maximumAbsoluteScore }

    /// Derives the encrypted form of a quantized tree pipeline.
    ///
    /// - Parameters:
    ///   - pipeline: a quantized pipeline whose model is boosted trees.
    ///   - source: the model file, for messages.
    /// - Throws: ``TreeScoringError/unsupportedModel(source:reason:)`` (exit 65) for a logistic
    ///   model or a tree deeper than ``maximumSupportedDepth``.
    public init(pipeline: QuantizedPipeline, source: String) throws(TreeScoringError) {
        guard case let .trees(ensemble) = pipeline.model else {
            throw .unsupportedModel(source: source, reason: "field model: a logistic model; score it with the logistic scorer")
        }
        try self.init(ensemble: ensemble, transformer: pipeline.transformer, positiveLabel: pipeline.positiveLabel, source: source)
    }

    /// Derives the encrypted form of integer trees.
    ///
    /// - Parameters:
    ///   - ensemble: the integer trees.
    ///   - transformer: the preprocessing their features come from.
    ///   - positiveLabel: the positive class.
    ///   - source: the model file, for messages.
    /// - Throws: ``TreeScoringError/unsupportedModel(source:reason:)`` (exit 65).
    public init(ensemble: QuantizedTreeEnsemble, transformer: ColumnTransformer, positiveLabel: String, source: String) throws(TreeScoringError) {
        let columns = transformer.featureNames.count
        var index: [TreeSplit: Int] = [:]
        var splits: [TreeSplit] = []
        var nodeSplits: [[Int]] = []
        var deepest = 0
        for (t, nodes) in ensemble.trees.enumerated() {
            guard !nodes.isEmpty else { throw .unsupportedModel(source: source, reason: "field trees[\(t)]: an empty tree") }
            var mapping = [Int](repeating: -1, count: nodes.count)
            // Depth-first from the root; a node index outside the array or a cycle is refused.
            var stack: [(node: Int, depth: Int)] = [(0, 0)]
            var visited = 0
            while let item = stack.popLast() {
                let (n, d) = (item.node, item.depth)
                visited += 1
                guard n >= 0, n < nodes.count, visited <= nodes.count else {
                    throw .unsupportedModel(source: source, reason: "field trees[\(t)]: a child index out of range or a cycle")
                }
                let node = nodes[n]
                if node.feature < 0 {
                    deepest = max(deepest, d)
                    continue
                }
                guard d < Self.maximumSupportedDepth else {
                    throw .unsupportedModel(
                        source: source,
                        reason: "field trees[\(t)]: deeper than \(Self.maximumSupportedDepth) (the circuit has multiplicative depth 2)")
                }
                guard node.feature < ensemble.cuts.count, node.feature < columns,
                      node.threshold >= 1, node.threshold <= ensemble.cuts[node.feature].count else {
                    throw .unsupportedModel(source: source, reason: "field trees[\(t)].nodes[\(n)]: feature or threshold out of range")
                }
                let split = TreeSplit(
                    feature: node.feature, cut: ensemble.cuts[node.feature][node.threshold - 1], missingGoesLeft: node.missingGoesLeft)
                if let known = index[split] {
                    mapping[n] = known
                } else {
                    index[split] = splits.count
                    mapping[n] = splits.count
                    splits.append(split)
                }
                stack.append((node.right, d + 1))
                stack.append((node.left, d + 1))
            }
            nodeSplits.append(mapping)
        }
        self.integer = ensemble
        self.plan = TreeSplitPlan(transformer: transformer, splits: splits)
        self.nodeSplits = nodeSplits
        self.depth = deepest
        self.positiveLabel = positiveLabel
    }

    /// The plaintext reference: the integer score of one transformed row, computed by
    /// ``HeatML/QuantizedTreeEnsemble/score(bins:)`` on the row's bins.
    ///
    /// - Parameter row: one value per ``TreeSplitPlan/columns`` entry (`.nan` when missing).
    /// - Returns: the exact integer score.
    public func score(row: [Double]) -> Int {
        integer.score(bins: row.indices.map { integer.bin(row[$0], feature: $0) })
    }

    /// The score of one client's split bits, following the trees (what the circuit computes).
    ///
    /// - Parameter bits: one bit per split.
    /// - Returns: the integer score.
    public func score(bits: [Bool]) -> Int {
        var total = base
        for (t, nodes) in integer.trees.enumerated() {
            var n = 0
            while nodes[n].feature >= 0 {
                n = bits[nodeSplits[t][n]] ? nodes[n].left : nodes[n].right
            }
            total += nodes[n].value
        }
        return total
    }

    /// The link: the probability of the positive class for an integer score (logistic
    /// objective), or the value itself divided by the scale (squared error).
    ///
    /// - Parameter score: an integer score.
    /// - Returns: `1 / (1 + exp(-score / scale))` or `score / scale`.
    public func probability(score: Int) -> Double {
        let margin = Double(score) / integer.scale
        return integer.objective == .logistic ? 1 / (1 + exp(-margin)) : margin
    }

    /// The sum of `|coefficient|` of the circuit's affine forms, in bits: how much the plaintext
    /// multipliers raise the noise of the products they feed (for ``estimatedNoiseBudget(parameters:)``).
    var coefficientBits: Double {
        let circuit = TreeCircuit(model: self)
        var mass = 0.0
        for (p, t) in circuit.products {
            mass += Double(p.magnitude) * Double(t.magnitude)
        }
        return log2(max(mass, 1))
    }

    /// A conservative estimate of the noise budget (bits) left in a score ciphertext after the
    /// depth-2 circuit, for keys of `parameters`: `log2 Q - log2 t` at encryption, minus the
    /// fresh noise, minus two ciphertext products of about `log2 t + log2 N + 4` bits each, minus
    /// the bits of the leaf-value multipliers. ``check(parameters:)`` asks for at least
    /// ``requiredNoiseBudget`` bits.
    ///
    /// - Parameter parameters: the keys' parameters.
    /// - Returns: the estimated budget (may be negative).
    public func estimatedNoiseBudget(parameters: BfvParameters) -> Int {
        let logQ = parameters.ciphertextModuli.reduce(0.0) { $0 + log2(Double($1)) }
        let logT = log2(Double(parameters.plaintextModulus))
        let logN = log2(Double(parameters.degree))
        let fresh = logN + 6
        let perProduct = logT + logN + 4
        return Int((logQ - logT - fresh - 2 * perProduct - coefficientBits).rounded(.down))
    }

    /// The noise budget ``check(parameters:)`` requires to be left, by the estimate.
    public static let requiredNoiseBudget = 8

    /// Checks that keys made for `parameters` decode every score exactly: `2 * maximumAbsoluteScore < t`
    /// and the estimated noise budget after the depth-2 circuit is at least ``requiredNoiseBudget``.
    ///
    /// - Parameter parameters: the keys' parameters.
    /// - Throws: ``TreeScoringError/parametersTooSmall(preset:reason:fitting:)`` (exit 69), naming
    ///   the cheapest preset that fits, if any.
    public func check(parameters: BfvParameters) throws(TreeScoringError) {
        if let reason = misfit(parameters) {
            let fitting = BfvParameters.presets.first { $0.scalarWidth == .bits64 && misfit($0) == nil }
            throw .parametersTooSmall(preset: parameters.name, reason: reason, fitting: fitting?.name)
        }
    }

    func misfit(_ parameters: BfvParameters) -> String? {
        if UInt64(2 * maximumAbsoluteScore) >= parameters.plaintextModulus {
            return "t = \(parameters.plaintextModulus) cannot hold the largest possible score (|score| <= \(maximumAbsoluteScore))"
        }
        let budget = estimatedNoiseBudget(parameters: parameters)
        if budget < Self.requiredNoiseBudget {
            return "about \(budget) bits of noise budget would be left after the depth-2 circuit (at least \(Self.requiredNoiseBudget) needed)"
        }
        return nil
    }
}

/// An operand of the tree circuit: a split bit or the product of two split bits.
enum TreeOperand: Hashable, Comparable, Sendable {
    case bit(Int)
    case pair(Int, Int)

    static func < (lhs: TreeOperand, rhs: TreeOperand) -> Bool {
        switch (lhs, rhs) {
        case let (.bit(a), .bit(b)): a < b
        case (.bit, .pair): true
        case (.pair, .bit): false
        case let (.pair(a, b), .pair(c, d)): (a, b) < (c, d)
        }
    }
}

/// `constant + Σ coefficient * operand` with integer coefficients: a product of at most two
/// literals, or a leaf-value-weighted sum of such products.
struct TreeAffine: Equatable, Sendable {
    var constant: Int64 = 0
    var terms: [TreeOperand: Int64] = [:]

    var isConstant: Bool { terms.values.allSatisfy { $0 == 0 } }
    /// `|constant| + Σ |coefficient|`.
    var magnitude: Int64 { terms.values.reduce(constant.magnitude) { $0 + $1.magnitude }.clampedToInt64 }

    mutating func add(_ other: TreeAffine, times factor: Int64) {
        guard factor != 0 else { return }
        constant += other.constant * factor
        for (operand, coefficient) in other.terms {
            let sum = terms[operand, default: 0] + coefficient * factor
            terms[operand] = sum == 0 ? nil : sum
        }
    }

    /// The product of at most two literals `(split, left)`: `b` for a left branch, `1 - b` for a right one.
    static func literals(_ literals: [(split: Int, left: Bool)]) -> TreeAffine {
        var form = TreeAffine()
        switch literals.count {
        case 0:
            form.constant = 1
        case 1:
            let (i, left) = literals[0]
            form.constant = left ? 0 : 1
            form.terms[.bit(i)] = left ? 1 : -1
        default:
            let (i, p) = literals[0]
            let (j, q) = literals[1]
            if i == j {
                // The same split twice on a path: b * b = b, and b * (1 - b) = 0.
                return p == q ? Self.literals([literals[0]]) : TreeAffine()
            }
            // (α + β b_i)(γ + δ b_j) with α = 0, β = 1 on a left branch and α = 1, β = -1 on a right one.
            let (alpha, beta): (Int64, Int64) = p ? (0, 1) : (1, -1)
            let (gamma, delta): (Int64, Int64) = q ? (0, 1) : (1, -1)
            form.constant = alpha * gamma
            if alpha * delta != 0 { form.terms[.bit(j)] = alpha * delta }
            if beta * gamma != 0 { form.terms[.bit(i)] = beta * gamma }
            form.terms[.pair(min(i, j), max(i, j))] = beta * delta
        }
        return form
    }

    /// The value for plaintext bits.
    func value(bits: [Bool]) -> Int64 {
        terms.reduce(constant) { sum, term in
            switch term.key {
            case .bit(let i): sum + (bits[i] ? term.value : 0)
            case .pair(let i, let j): sum + (bits[i] && bits[j] ? term.value : 0)
            }
        }
    }
}

extension UInt64 {
    var clampedToInt64: Int64 { self > UInt64(Int64.max) ? Int64.max : Int64(self) }
}

/// The compiled depth-2 circuit of a tree model: the bit pairs to multiply (level 1), the
/// products of a prefix form by a suffix form (level 2) and the linear rest.
///
/// For a leaf whose path has literals `l_0 ... l_{k-1}` (`k <= 4`): the prefix is `l_0 l_1`, the
/// suffix `l_2 l_3`. Leaves under the same depth-2 node share the prefix, so per depth-2 node the
/// evaluator multiplies the prefix once by `Σ value * suffix`: a full depth-4 tree costs 2 + 8
/// level-1 products (shared between trees that reuse a split pair) and 4 level-2 products.
/// Leaves at depth 2 or less (no suffix) only add a linear form.
struct TreeCircuit: Sendable {
    /// Distinct bit pairs `(i, j)`, `i < j`, sorted.
    var pairs: [TreeOperand]
    /// `(prefix, weighted suffix sum)` pairs multiplied at level 2.
    var products: [(TreeAffine, TreeAffine)]
    /// Everything of depth 0 or 1, the base score included.
    var linear: TreeAffine

    init(model: EncryptedTreeModel) {
        var linear = TreeAffine()
        linear.constant = Int64(model.base)
        var products: [(TreeAffine, TreeAffine)] = []
        for (t, nodes) in model.integer.trees.enumerated() {
            // Per depth-2 prefix (its literals), the weighted sum of the suffixes, in first-visit order.
            var groups: [(prefix: [(split: Int, left: Bool)], suffix: TreeAffine)] = []
            var stack: [(node: Int, path: [(split: Int, left: Bool)])] = [(0, [])]
            while let item = stack.popLast() {
                let (n, path) = (item.node, item.path)
                let node = nodes[n]
                if node.feature >= 0 {
                    let split = model.nodeSplits[t][n]
                    stack.append((node.right, path + [(split, false)]))
                    stack.append((node.left, path + [(split, true)]))
                    continue
                }
                let value = Int64(node.value)
                if path.count <= 2 {
                    linear.add(.literals(path), times: value)
                    continue
                }
                let prefix = Array(path.prefix(2))
                let suffix = TreeAffine.literals(Array(path.dropFirst(2)))
                if let g = groups.firstIndex(where: { group in
                    group.prefix.elementsEqual(prefix) { a, b in a.split == b.split && a.left == b.left }
                }) {
                    groups[g].suffix.add(suffix, times: value)
                } else {
                    var sum = TreeAffine()
                    sum.add(suffix, times: value)
                    groups.append((prefix, sum))
                }
            }
            for group in groups {
                let p = TreeAffine.literals(group.prefix)
                if p.isConstant {
                    linear.add(group.suffix, times: p.constant)
                } else if group.suffix.isConstant {
                    linear.add(p, times: group.suffix.constant)
                } else {
                    products.append((p, group.suffix))
                }
            }
        }
        var pairs = Set<TreeOperand>()
        for form in [linear] + products.flatMap({ [$0.0, $0.1] }) {
            for operand in form.terms.keys { if case .pair = operand { pairs.insert(operand) } }
        }
        self.pairs = pairs.sorted()
        self.products = products
        self.linear = linear
    }

    /// The score for plaintext bits (the circuit's own reference, for tests).
    func value(bits: [Bool]) -> Int64 {
        products.reduce(linear.value(bits: bits)) { $0 + $1.0.value(bits: bits) * $1.1.value(bits: bits) }
    }
}
