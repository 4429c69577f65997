import Crypto
import Foundation
import HeatEnvelope

/// Keyed pseudonyms for raw identifiers (DESIGN.md section 1).
///
/// A pseudonym is HMAC-SHA256(key, namespace byte || raw id): the store keys on the full 32
/// bytes; people see a display reference such as `C-7f3a9c2e` (a prefix and the first 8 hex
/// digits), widened to 12 digits where two shown references would collide.
///
/// ```swift
/// let pseudonymizer = Pseudonymizer(key: .random())
/// let pseudonym = pseudonymizer.pseudonym(for: "CL-000123", kind: .client)
/// pseudonym.displayRef   // "C-" followed by 8 hex digits
/// ```
public struct Pseudonymizer: Sendable {
    /// The secret HMAC key.
    public let key: PseudonymisationKey

    /// Creates a pseudonymizer with a key.
    public init(key: PseudonymisationKey) { self.key = key }

    /// The pseudonym of a raw identifier.
    ///
    /// - Parameters:
    ///   - rawID: the identifier as it appears in the bank's export (already trimmed).
    ///   - kind: what the identifier names; the same raw text gives different pseudonyms per kind.
    public func pseudonym(for rawID: String, kind: Pseudonym.Kind) -> Pseudonym {
        var message = Data([kind.domainByte])
        message.append(contentsOf: rawID.utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key.symmetricKey)
        return Pseudonym(kind: kind, bytes: Array(mac))
    }

    /// The de-duplication key of an event: HMAC-SHA256(key, 0x05 || UInt32(client id length) ||
    /// client id || UInt32(event id length) || event id), lengths big-endian in UTF-8 bytes.
    ///
    /// The length prefixes make the tuple unambiguous, so two clients' events with the same event
    /// id never collide, and no pair of ids can be shifted into another.
    ///
    /// - Parameters:
    ///   - clientID: the client's raw id.
    ///   - eventID: the event's raw id (or its derived id).
    /// - Returns: the 32-byte key (stored in `event_hmacs`).
    public func eventKey(clientID: String, eventID: String) -> [UInt8] {
        var message = Data([Self.eventKeyDomain])
        for part in [clientID, eventID] {
            let bytes = Array(part.utf8)
            withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { message.append(contentsOf: $0) }
            message.append(contentsOf: bytes)
        }
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key.symmetricKey))
    }

    /// The domain byte of ``eventKey(clientID:eventID:)`` (the pseudonym kinds use 1 to 4).
    public static let eventKeyDomain: UInt8 = 5

    /// The display references of many pseudonyms of one kind, 8 hex digits each, or 12 for
    /// those whose 8-digit reference collides with another's.
    ///
    /// - Parameter pseudonyms: the pseudonyms shown together.
    /// - Returns: a reference per pseudonym.
    public static func displayRefs(for pseudonyms: [Pseudonym]) -> [Pseudonym: String] {
        var byShort: [String: Set<Pseudonym>] = [:]
        for pseudonym in pseudonyms { byShort[pseudonym.displayRef, default: []].insert(pseudonym) }
        var refs: [Pseudonym: String] = [:]
        for (short, group) in byShort {
            for pseudonym in group { refs[pseudonym] = group.count == 1 ? short : pseudonym.ref(digits: 12) }
        }
        return refs
    }
}

/// A keyed pseudonym of a client, manager, branch or event identifier.
public struct Pseudonym: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// What a pseudonym names.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A client (`C-` references).
        case client
        /// A relationship manager (`M-` references).
        case manager
        /// A branch (`B-` references).
        case branch
        /// An interaction event (never displayed; used for de-duplication).
        case event

        /// The display prefix.
        public var prefix: String {
            switch self {
            case .client: "C-"
            case .manager: "M-"
            case .branch: "B-"
            case .event: "E-"
            }
        }

        var domainByte: UInt8 {
            switch self {
            case .client: 1
            case .manager: 2
            case .branch: 3
            case .event: 4
            }
        }
    }

    /// What the pseudonym names.
    public let kind: Kind
    /// The 32 HMAC bytes.
    public let bytes: [UInt8]

    /// Creates a pseudonym from stored HMAC bytes.
    public init(kind: Kind, bytes: [UInt8]) {
        self.kind = kind
        self.bytes = bytes
    }

    /// The full HMAC as 64 hex digits.
    public var hex: String { Hex.encode(bytes) }

    /// The default display reference: the kind's prefix and the first 8 hex digits.
    public var displayRef: String { ref(digits: 8) }

    /// A display reference with `digits` hex digits.
    public func ref(digits: Int) -> String { kind.prefix + String(hex.prefix(digits)) }

    public var description: String { displayRef }

    public static func < (lhs: Pseudonym, rhs: Pseudonym) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}

/// The collector's secret HMAC key for pseudonyms (32 random bytes).
public struct PseudonymisationKey: Sendable, Equatable, Codable {
    /// The key bytes.
    public let bytes: [UInt8]

    /// Creates a key from 32 bytes.
    ///
    /// - Returns: `nil` unless `bytes` has 32 elements.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// A fresh key from the system CSPRNG.
    public static func random() -> PseudonymisationKey {
        let key = SymmetricKey(size: .bits256)
        return PseudonymisationKey(bytes: key.withUnsafeBytes { Array($0) })!
    }

    /// A key derived from a public label; for reproducible demos and tests only, never for real data.
    public static func insecureDerived(from label: String) -> PseudonymisationKey {
        PseudonymisationKey(bytes: Array(SHA256.hash(data: Data("customerheat-insecure-key:\(label)".utf8))))!
    }

    var symmetricKey: SymmetricKey { SymmetricKey(data: bytes) }

    enum CodingKeys: String, CodingKey { case key }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .key)
        guard let raw = Hex.decode(text), raw.count == 32 else {
            throw DecodingError.dataCorruptedError(forKey: .key, in: container, debugDescription: "a pseudonymisation key is 64 hex digits")
        }
        self.bytes = raw
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Hex.encode(bytes), forKey: .key)
    }
}
