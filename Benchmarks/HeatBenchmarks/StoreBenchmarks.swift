// Store benchmarks (ordo-one/benchmark). Built only with HEAT_BENCHMARKS=1; registered by calling
// `storeBenchmarks()` from the `benchmarks` closure in HeatBenchmarks.swift:
//
//   HEAT_BENCHMARKS=1 swift package --scratch-path .build-bench benchmark --filter "Store.*"
//
// The 1,000,000-row end-to-end measurement (`/usr/bin/time -v heatctl ingest`) is in
// Docs/Performance.md (Store section); these track the per-row cost of the library.
import Benchmark
import Foundation
import HeatCore

/// Deterministic interactions: `count` rows over 500 clients, 20 managers, 26 weeks, all channels.
private func storeBenchmarkInteractions(_ count: Int) -> [Interaction] {
    let start = UTCTimestamp(secondsSinceEpoch: 1_767_225_600)   // 2026-01-01T00:00:00Z
    return (0..<count).map { n in
        let channel = Channel.allCases[n % Channel.allCases.count]
        return Interaction(
            eventID: "EV\(n)", clientID: "CL\(n % 500)", managerID: "M\(n % 20)", branch: "BR\(n % 5)",
            channel: channel, direction: n % 3 == 0 ? .inbound : .outbound,
            occurredAt: start.adding(seconds: Int64(n % (26 * 7)) * 86_400 + Int64(n % 86_400)),
            durationSeconds: channel.hasDuration ? 60 + n % 3_000 : nil,
            repliedWithinHours: n % 4 == 0 ? Double(n % 96) : nil)
    }
}

/// A fresh store in a temporary folder.
private func freshStore() throws -> HeatStore {
    let folder = FileManager.default.temporaryDirectory.appending(path: "heat-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return try HeatStore.initialize(path: folder.appending(path: "heat.db").path).store
}

/// Registers the store benchmarks.
func storeBenchmarks() {
    let rows = storeBenchmarkInteractions(20_000)
    let key = PseudonymisationKey.insecureDerived(from: "store-benchmarks")
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal], maxDuration: .seconds(5), maxIterations: 10)

    Benchmark("Store ingest 20,000 new interactions", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            let store = try freshStore()
            benchmark.startMeasurement()
            blackHole(try StoreIngestor(key: key).ingest(
                rows, clients: [], into: store, source: .init(name: "bench", inputHash: "")))
            benchmark.stopMeasurement()
        }
    }

    Benchmark("Store re-ingest 20,000 duplicate interactions", configuration: configuration) { benchmark in
        let store = try freshStore()
        let ingestor = StoreIngestor(key: key)
        _ = try ingestor.ingest(rows, clients: [], into: store, source: .init(name: "bench", inputHash: ""))
        for _ in benchmark.scaledIterations {
            benchmark.startMeasurement()
            blackHole(try ingestor.ingest(rows, clients: [], into: store, source: .init(name: "bench", inputHash: "")))
            benchmark.stopMeasurement()
        }
    }

    Benchmark("Store audit verify after 20,000 interactions", configuration: configuration) { benchmark in
        let store = try freshStore()
        let signingKey = StoreSigningKey()
        let ingestionKey = IngestionKey()
        let signer = CollectorSigner(key: ingestionKey, endorsement: try IngestionKeyEndorsement(endorsing: ingestionKey, with: signingKey))
        _ = try StoreIngestor(key: key, signer: signer).ingest(rows, clients: [], into: store, source: .init(name: "bench", inputHash: ""))
        let head = try HeadSigner.sign(store: store, with: signingKey, anchor: .firstHead)
        for _ in benchmark.scaledIterations {
            blackHole(try StoreVerifier.verify(store: store, pinnedKey: signingKey.verificationKey, anchor: .previous(head)))
        }
    }
}
