import Testing
@testable import HeatFHE

@Suite struct HeatFHESmokeTests {
    @Test func moduleLoads() {
        #expect(String(describing: HeatFHE.self) == "HeatFHE")
    }
}
