/// A computation written once for every BFV scalar, run on the context that matches a parameter
/// set by `BfvParameters.withContext(_:)`.
///
/// Swift closures cannot be generic, so generic code over `BfvContext<T>` is expressed as a type
/// with a generic method; the choice between `UInt32` and `UInt64` residues is then made in one
/// place, `BfvParameters.withContext(_:)`, instead of a `switch` at every call site.
///
/// ```swift
/// struct SlotCount: BfvContextOperation {
///     func run<T: ScalarType>(_ context: BfvContext<T>) throws(FHEError) -> Int { context.parameters.degree }
/// }
/// let slots = try parameters.withContext(SlotCount())
/// ```
public protocol BfvContextOperation {
    /// What the computation returns.
    associatedtype Output

    /// Runs the computation on a context of the parameters' scalar.
    ///
    /// - Parameter context: the context built from the parameters.
    /// - Returns: the result.
    /// - Throws: ``FHEError`` from the computation.
    mutating func run<T: ScalarType>(_ context: BfvContext<T>) throws(FHEError) -> Output
}

extension BfvParameters {
    /// Builds the context of these parameters with the scalar they declare (``ScalarWidth``) and
    /// runs `operation` on it; the operation may keep state (for example a key envelope it wipes).
    ///
    /// - Parameter operation: the computation, mutated in place.
    /// - Returns: the computation's result.
    /// - Throws: ``FHEError`` when the context cannot be built or the computation fails.
    public func withContext<Operation: BfvContextOperation>(
        _ operation: inout Operation
    ) throws(FHEError) -> Operation.Output {
        switch scalarWidth {
        case .bits32: return try operation.run(BfvContext<UInt32>(parameters: self))
        case .bits64: return try operation.run(BfvContext<UInt64>(parameters: self))
        }
    }

    /// Builds the context of these parameters with the scalar they declare and runs `operation` on it.
    ///
    /// - Parameter operation: the computation.
    /// - Returns: the computation's result.
    /// - Throws: ``FHEError`` when the context cannot be built or the computation fails.
    public func withContext<Operation: BfvContextOperation>(_ operation: Operation) throws(FHEError) -> Operation.Output {
        var copy = operation
        return try withContext(&copy)
    }
}
