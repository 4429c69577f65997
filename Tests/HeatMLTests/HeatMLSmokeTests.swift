import Testing
@testable import HeatML

@Suite struct HeatMLSmokeTests {
    @Test func moduleLoads() {
        #expect(String(describing: HeatML.self) == "HeatML")
    }
}
