import Foundation
import HeatCLITesting

/// The `heatctl` executable built next to the tests, run through the test targets' one shared
/// runner (`HeatCLITesting.HeatctlRunner`): `BuiltHeatctl.url`, `BuiltHeatctl.run(_:environment:)`,
/// `BuiltHeatctl.Outcome`.
typealias BuiltHeatctl = HeatctlRunner
