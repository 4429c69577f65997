import Testing
@testable import HeatML

/// The one seeded generator (issue 25, item 1): outputs pinned, so no result depends on the
/// standard library's `shuffled(using:)` / `random(in:using:)` algorithms or on the platform.
/// The pinned values were computed independently (a 20-line Python model of SplitMix64,
/// Lemire's bounded draw and the front-to-back Fisher-Yates shuffle).
@Suite struct SeededGeneratorTests {
    @Test func rawOutputsArePinned() {
        var generator = SeededGenerator(seed: 1)
        #expect(generator.next() == 10_451_216_379_200_822_465)
        #expect(generator.next() == 13_757_245_211_066_428_519)
    }

    @Test func shufflesArePinned() {
        var a = SeededGenerator(seed: 42)
        #expect(a.shuffled(0..<10) == [7, 2, 4, 5, 1, 9, 6, 3, 8, 0])
        var b = SeededGenerator(seed: 7)
        #expect(b.shuffled(0..<20) == [7, 1, 18, 12, 11, 8, 3, 4, 9, 13, 0, 19, 10, 6, 5, 17, 14, 15, 16, 2])
        var c = SeededGenerator(seed: 7)
        var single = [5]
        c.shuffle(&single)
        #expect(single == [5])
        #expect(c == SeededGenerator(seed: 7), "a one-element shuffle draws nothing")
    }

    @Test func stratifiedFoldsArePinned() throws {
        let folds = try Folds.stratified(labels: [0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0], count: 3, seed: 5)
        #expect(folds.assignment == [0, 1, 2, 0, 2, 0, 2, 2, 1, 1, 1, 0])
    }

    @Test func boundedDrawsStayInRange() {
        var generator = SeededGenerator(seed: 9)
        for bound in [1, 2, 3, 7, 1000] as [UInt64] {
            for _ in 0..<200 { #expect(generator.bounded(bound) < bound) }
        }
        #expect(generator.bounded(0) == 0)
        var counts = [Int](repeating: 0, count: 3)
        for _ in 0..<3000 { counts[Int(generator.bounded(3))] += 1 }
        #expect(counts.allSatisfy { $0 > 900 && $0 < 1100 })
    }
}
