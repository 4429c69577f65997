import Synchronization

/// Which of HeatFHE's kernels ran as **unspecialized generic code**: the check behind the
/// promise that a caller in any module, generic over the scalar or not, reaches the machine code
/// specialized for `UInt32` or `UInt64`.
///
/// Swift compiles a generic function once for "any `T`" and, where it can see the concrete type,
/// again for that type. Code outside `HeatFHE` cannot specialize HeatFHE's generic functions (their
/// bodies are not visible without `-cross-module-optimization`), so without help a call such as
/// `BfvEvaluator<UInt64>.multiply` from another module runs the "any `T`" version, where every
/// modular multiplication goes through witness tables and runtime metadata: 6-50x slower (the
/// portable build's `heatctl bench fhe` before issue 16, session 36). HeatFHE's public entry
/// points are therefore pre-specialized (`@_specialize(where T == UInt32)` and `T == UInt64`):
/// their generic version first checks the type and jumps to the specialized copy.
///
/// To make that checkable, each hot kernel (the NTTs, the pointwise polynomial operations, the
/// basis extensions and scaling of multiplication, key switching, decryption's scale-and-round,
/// Galois automorphisms, sampling) notes at its start whether its scalar type is concrete in the
/// code that runs (`_isConcrete`, folded to a constant by the optimizer: in specialized code the
/// note is removed entirely; in unspecialized code it records the kernel's name). A debug build
/// (`-Onone`) specializes nothing and records every kernel.
///
/// ```swift
/// let (product, unspecialized) = try FHESpecialization.unspecializedKernels {
///     try evaluator.multiply(a, b)
/// }
/// assert(unspecialized.isEmpty)   // in a release build
/// ```
public enum FHESpecialization {
    /// Collects the kernel names of one ``unspecializedKernels(during:)`` scope.
    final class Recorder: Sendable {
        let names = Mutex<Set<String>>([])
    }

    /// The recorder of the current task, set by ``unspecializedKernels(during:)``.
    @TaskLocal static var recorder: Recorder?

    /// Every kernel that ran unspecialized anywhere in this process so far.
    private static let processNames = Mutex<Set<String>>([])

    /// The names of the kernels that ran as unspecialized generic code in this process so far,
    /// sorted (empty in a release build whose every call reached specialized code).
    public static var unspecializedKernelsSoFar: [String] {
        processNames.withLock { $0.sorted() }
    }

    /// Runs `body` and returns its result with the names of the kernels that ran as unspecialized
    /// generic code during it, on this task (sorted; empty when every kernel ran specialized).
    ///
    /// - Parameter body: the work to watch (synchronous; kernels it runs on other tasks are not seen).
    /// - Returns: the result of `body` and the kernel names.
    /// - Throws: what `body` throws.
    public static func unspecializedKernels<Value, Failure: Error>(
        during body: () throws(Failure) -> Value
    ) throws(Failure) -> (result: Value, kernels: [String]) {
        let recorder = Recorder()
        let outcome = $recorder.withValue(recorder) { Result { () throws(Failure) -> Value in try body() } }
        return (try outcome.get(), recorder.names.withLock { $0.sorted() })
    }

    /// Records `kernel` when `type` is not a concrete type in the code that runs: a no-op that the
    /// optimizer removes from specialized code.
    ///
    /// - Parameters:
    ///   - type: the kernel's scalar type parameter.
    ///   - kernel: the kernel's name, such as `"NTTPlan.forward"`.
    @inlinable @inline(__always)
    static func note<T>(_ type: T.Type, _ kernel: StaticString) {
        if !_isConcrete(type) { recordUnspecialized(kernel) }
    }

    /// The slow path of ``note(_:_:)``: adds the name to the process's set and the task's recorder.
    @usableFromInline @inline(never)
    static func recordUnspecialized(_ kernel: StaticString) {
        let name = kernel.description
        processNames.withLock { _ = $0.insert(name) }
        recorder?.names.withLock { _ = $0.insert(name) }
    }
}
