// CustomerHeat benchmarks (ordo-one/benchmark). Built only with HEAT_BENCHMARKS=1:
//
//   HEAT_BENCHMARKS=1 swift package --scratch-path .build-bench benchmark
//
// Numbers and the commands that produced them are recorded in Docs/Performance.md.
import Benchmark
import Foundation
import HeatEnvelope

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(2))
    storeBenchmarks()

    Benchmark("Envelope serialize+verify 1 MiB") { benchmark in
        let envelope = Envelope(kind: .fheCiphertext, payload: Data(repeating: 0xab, count: 1 << 20))
        for _ in benchmark.scaledIterations {
            let bytes = envelope.serialized()
            blackHole(try Envelope(decoding: bytes, expecting: .fheCiphertext))
        }
    }

    registerFHEBenchmarks()
}
