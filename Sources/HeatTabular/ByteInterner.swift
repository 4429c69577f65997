/// Dictionary encoding of byte strings: each distinct value gets a code (0, 1, 2, ... in order of
/// first appearance) and is stored once; looking up a value allocates nothing.
///
/// ```swift
/// var interner = ByteInterner()
/// let code = interner.intern(bytes)      // the same code for equal bytes
/// let values = interner.strings()         // one String per distinct value
/// ```
public struct ByteInterner: Sendable {
    private var arena: [UInt8] = []
    private var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int

    /// Creates an empty interner.
    public init() {
        slots = [Int32](repeating: -1, count: 64)
        mask = 63
    }

    /// The number of distinct values.
    public var count: Int { hashes.count }

    /// The code of a value, adding it when new.
    ///
    /// - Parameter bytes: the value.
    /// - Returns: its code.
    public mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while true {
            let code = slots[slot]
            if code < 0 { break }
            if hashes[Int(code)] == hash, equals(Int(code), bytes) { return code }
            slot = (slot + 1) & mask
        }
        let code = Int32(hashes.count)
        hashes.append(hash)
        arena.append(contentsOf: bytes)
        starts.append(arena.count)
        slots[slot] = code
        if hashes.count * 2 > slots.count { grow() }
        return code
    }

    private func equals(_ code: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = starts[code], end = starts[code + 1]
        guard end - start == bytes.count else { return false }
        for k in 0..<bytes.count where arena[start + k] != bytes[k] { return false }
        return true
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (code, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(code)
        }
    }

    /// The distinct values as strings, in code order (bytes must be UTF-8; invalid sequences are repaired).
    public func strings() -> [String] {
        (0..<hashes.count).map { String(decoding: arena[starts[$0]..<starts[$0 + 1]], as: UTF8.self) }
    }
}
