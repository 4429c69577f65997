// swift-tools-version: 6.1
//
// CustomerHeat: privacy-preserving relationship analytics.
//
// Optional benchmark target: set HEAT_BENCHMARKS=1 to add ordo-one/benchmark and the
// `Benchmarks/HeatBenchmarks` target (kept out of the default build so CI stays fast).
// Optional fuzzer: set HEAT_FUZZ=1 to add the libFuzzer executable `heat-fuzzer` (built by
// `Scripts/fuzz.sh` with `-sanitize=fuzzer,address` into `.build-fuzz`).
// Inner-loop switch for contributors: HEAT_WITHOUT_SERVER=1 leaves out `HeatServer`, its tests, the
// `serve` / `token` commands and their dependencies (Hummingbird, NIO, jwt-kit, ...), which saves the
// longest part of a cold build when a change does not touch the server. CI and releases never set it.
// HEAT_FHE_ONLY=1 keeps only the lattice layer (CGMP, HeatEnvelope, HeatFHE, HeatFHETools), its two
// test targets and `heat-fhe-bench` (Benchmarks/FHEBenchRunner): the quick inner loop for kernel work,
// native-CPU measurements, and the native-build test run in `.ci/run`.
import PackageDescription

let benchmarksEnabled = Context.environment["HEAT_BENCHMARKS"] == "1"
let fuzzingEnabled = Context.environment["HEAT_FUZZ"] == "1"
let fheOnly = Context.environment["HEAT_FHE_ONLY"] == "1"
let serverEnabled = Context.environment["HEAT_WITHOUT_SERVER"] != "1" && !fheOnly

var package = Package(
    name: "CustomerHeat",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "HeatEnvelope", targets: ["HeatEnvelope"]),
        .library(name: "HeatFHE", targets: ["HeatFHE"]),
        .library(name: "HeatFHETools", targets: ["HeatFHETools"]),
        .library(name: "HeatTabular", targets: ["HeatTabular"]),
        .library(name: "HeatML", targets: ["HeatML"]),
        .library(name: "HeatCore", targets: ["HeatCore"]),
        .library(name: "HeatAPI", targets: ["HeatAPI"]),
        .library(name: "HeatServer", targets: ["HeatServer"]),
        .executable(name: "heatctl", targets: ["heatctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CGMP",
            path: "Sources/CGMP",
            pkgConfig: "gmp",
            providers: [.apt(["libgmp-dev"]), .brew(["gmp"])]
        ),
        .target(
            name: "HeatEnvelope",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "HeatFHE",
            dependencies: [
                "CGMP",
                "HeatEnvelope",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // File-level FHE tools (`heatctl fhe`, `heatctl bench fhe`): the toolbox, value-file input and
        // benchmarks, kept out of the crypto library.
        .target(
            name: "HeatFHETools",
            dependencies: ["HeatEnvelope", "HeatFHE"]
        ),
        .target(
            name: "HeatTabular",
            dependencies: ["HeatEnvelope"]
        ),
        .target(
            name: "HeatML",
            dependencies: [
                "HeatEnvelope",
                "HeatTabular",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "HeatCore",
            dependencies: [
                "HeatEnvelope",
                "HeatTabular",
                "HeatFHE",
                "HeatML",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The API server's request decoding (bodies, bearer token header, session cookie): pure
        // functions of bytes, without SwiftNIO / Hummingbird, shared by HeatServer and HeatFuzzing.
        .target(
            name: "HeatAPI",
            dependencies: ["HeatEnvelope"]
        ),
        .target(
            name: "HeatServer",
            dependencies: [
                "HeatAPI",
                "HeatEnvelope",
                "HeatTabular",
                "HeatML",
                "HeatCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "heatctl",
            dependencies: [
                "HeatEnvelope",
                "HeatTabular",
                "HeatFHE",
                "HeatFHETools",
                "HeatML",
                "HeatCore",
                "HeatServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "heat-library-tour",
            dependencies: ["HeatCore", "HeatML", "HeatFHE"],
            path: "Examples/LibraryTour"
        ),
        // The fuzz entry points of every reader (Docs/Reliability.md), replayed by HeatFuzzingTests.
        .target(
            name: "HeatFuzzing",
            dependencies: ["HeatEnvelope", "HeatTabular", "HeatFHE", "HeatML", "HeatCore", "HeatAPI"]
        ),
        // The one runner of the built heatctl, shared by the CLI test suites.
        .target(name: "HeatCLITesting", path: "Tests/HeatCLITesting"),
        .testTarget(name: "HeatEnvelopeTests", dependencies: ["HeatEnvelope"]),
        .testTarget(name: "HeatTabularTests", dependencies: ["HeatTabular"]),
        .testTarget(name: "HeatFHETests", dependencies: ["HeatFHE", "HeatFHETools", "CGMP"]),
        .testTarget(
            name: "HeatMLTests",
            dependencies: ["HeatML"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "HeatCtlTests", dependencies: ["heatctl", "HeatEnvelope", "HeatCLITesting"]),
        .testTarget(
            name: "HeatServerTests",
            dependencies: [
                "HeatServer", "HeatCore", "HeatEnvelope", "HeatML",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "HeatCoreTests",
            dependencies: ["HeatCore", "HeatCLITesting", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

package.targets.append(
    .testTarget(name: "HeatFuzzingTests", dependencies: ["HeatFuzzing", "HeatAPI", "HeatEnvelope", "HeatFHE", "HeatML", "HeatTabular", "HeatCore"])
)

if fuzzingEnabled {
    package.targets.append(
        .executableTarget(name: "heat-fuzzer", dependencies: ["HeatFuzzing"], path: "Fuzz/HeatFuzzer")
    )
}

if benchmarksEnabled && !fheOnly {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"])
    )
    package.targets.append(
        .executableTarget(
            name: "HeatBenchmarks",
            dependencies: [
                "HeatCore", "HeatFHE", "HeatFHETools", "HeatML",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/HeatBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    )
}

if serverEnabled {
    package.dependencies += [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ]
    for target in package.targets where target.name == "heatctl" {
        target.swiftSettings = (target.swiftSettings ?? []) + [.define("HEAT_SERVER")]
    }
} else {
    package.products.removeAll { $0.name == "HeatServer" }
    package.targets.removeAll { $0.name == "HeatServer" || $0.name == "HeatServerTests" }
    for target in package.targets where target.name == "heatctl" {
        target.dependencies.removeAll { dependency in
            if case .byNameItem(name: "HeatServer", _) = dependency { return true }
            return false
        }
    }
}

if fheOnly {
    let kept: Set<String> = ["CGMP", "HeatEnvelope", "HeatFHE", "HeatFHETools", "HeatEnvelopeTests", "HeatFHETests"]
    package.targets.removeAll { !kept.contains($0.name) }
    package.products.removeAll { !kept.contains($0.name) }
    // `heat-fhe-bench bfv | pbs`: the JSON of `heatctl bench fhe --json` / `heatctl fhe pbs-bench --json`
    // from the same HeatFHETools entry points, for native-CPU measurements without building heatctl.
    package.targets.append(
        .executableTarget(name: "heat-fhe-bench", dependencies: ["HeatFHE", "HeatFHETools"], path: "Benchmarks/FHEBenchRunner")
    )
    package.dependencies.removeAll { dependency in
        guard case .sourceControl(_, let location, _) = dependency.kind else { return false }
        return location.contains("swift-argument-parser") || location.contains("GRDB")
    }
}
