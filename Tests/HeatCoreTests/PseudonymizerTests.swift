import Crypto
import Foundation
import Testing
@testable import HeatCore

@Suite struct PseudonymizerTests {
    @Test func pseudonymsAreKeyedHMACsSeparatedByKind() throws {
        let key = try #require(PseudonymisationKey(bytes: Array(repeating: 7, count: 32)))
        let pseudonymizer = Pseudonymizer(key: key)
        let client = pseudonymizer.pseudonym(for: "CL-0001", kind: .client)
        var message = Data([1])
        message.append(contentsOf: "CL-0001".utf8)
        let expected = Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key.bytes)))
        #expect(client.bytes == expected)
        #expect(client.displayRef == "C-" + client.hex.prefix(8))
        #expect(pseudonymizer.pseudonym(for: "CL-0001", kind: .manager).bytes != client.bytes)
        let other = Pseudonymizer(key: .insecureDerived(from: "other"))
        #expect(other.pseudonym(for: "CL-0001", kind: .client) != client)
        #expect(!client.displayRef.contains("CL-0001"))
    }

    @Test func collidingDisplayRefsWidenToTwelveDigits() {
        let a = Pseudonym(kind: .client, bytes: [0xab, 0xcd, 0xef, 0x01, 0x11] + Array(repeating: 0, count: 27))
        let b = Pseudonym(kind: .client, bytes: [0xab, 0xcd, 0xef, 0x01, 0x22] + Array(repeating: 0, count: 27))
        let c = Pseudonym(kind: .client, bytes: [0x01] + Array(repeating: 0, count: 31))
        let refs = Pseudonymizer.displayRefs(for: [a, b, c])
        #expect(refs[a] == "C-abcdef011100")
        #expect(refs[b] == "C-abcdef012200")
        #expect(refs[c] == "C-01000000")
    }

    @Test func keysRoundTripThroughJSON() throws {
        let key = PseudonymisationKey.random()
        let decoded = try JSONDecoder().decode(PseudonymisationKey.self, from: JSONEncoder().encode(key))
        #expect(decoded == key)
        #expect(PseudonymisationKey(bytes: [1, 2, 3]) == nil)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(PseudonymisationKey.self, from: Data(#"{"key":"abcd"}"#.utf8))
        }
    }
}
