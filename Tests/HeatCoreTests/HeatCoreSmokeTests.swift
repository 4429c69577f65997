import Testing
@testable import HeatCore

@Suite struct HeatCoreSmokeTests {
    @Test func moduleLoads() {
        #expect(String(describing: HeatCore.self) == "HeatCore")
    }
}
