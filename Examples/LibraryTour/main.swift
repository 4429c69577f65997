// A tour of the CustomerHeat libraries, end to end, in one small program:
//
//   swift run -c release -Xswiftc -enable-testing heat-library-tour [OUTPUT-FOLDER]
//
// 1. HeatCore: generate a synthetic bank, score relationship heat in plaintext, build the results
//    document and render the HTML report.
// 2. HeatFHE: encrypt the clients' heat and trend under BFV, add them homomorphically, decrypt,
//    and check the result equals the plaintext computation exactly.
// 3. HeatML: fit a logistic regression of churn on heat features and measure its ROC-AUC.
//
// Every step checks its own result and the program exits non-zero when one is wrong, so CI can
// run it as a test of the public API.
import Foundation
import HeatCore
import HeatFHE
import HeatML

struct TourFailure: Error, CustomStringConvertible {
    let description: String
}

func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw TourFailure(description: message()) }
}

func runTour() throws {
    let output = CommandLine.arguments.dropFirst().first.map { URL(fileURLWithPath: $0) }
        ?? FileManager.default.temporaryDirectory.appendingPathComponent("heat-library-tour-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)

    // 1. A synthetic bank, scored in plaintext.
    let bank = SyntheticBank(clients: 400, managers: 10, branches: 3, weeks: 40, seed: 7)
    try bank.validate()
    let dataset = bank.generate()
    let configuration = HeatConfiguration()
    let run = try PlaintextHeatRun(interactions: dataset.interactions, clients: dataset.clients, configuration: configuration)
    print("1. scored \(run.scores.count) clients from \(dataset.interactions.count) interactions as of \(run.asOf)")
    try check(run.scores.count == 400, "expected 400 scores, got \(run.scores.count)")
    try check(run.scores.allSatisfy { $0.heat >= 0 && $0.heat <= configuration.maximumHeat }, "a heat outside [0, maximumHeat]")

    let builder = ResultsBuilder(configuration: configuration, pseudonymizer: Pseudonymizer(key: .insecureDerived(from: "tour")))
    let document = builder.build(scores: run.scores, ledger: run.ledger, directory: Dictionary(uniqueKeysWithValues: dataset.clients.map { ($0.clientID, $0) }),
                                 asOf: run.asOf, generatedAt: UTCTimestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)))
    let written = try ReportRenderer().write(document, formats: [.html], to: output)
    print("   report: \(written.map(\.path).joined(separator: ", "))")
    try check(written.contains { $0.lastPathComponent == "index.html" }, "the report has no index.html")

    // 2. The same heat and trend, encrypted: the evaluator adds ciphertexts it cannot read.
    let parameters = try BfvParameters(preset: "n8192-logq217-logt25")
    let context = try BfvContext<UInt64>(parameters: parameters)
    let secretKey = SecretKey(context: context)
    let encoder = BfvEncoder(context: context)
    let heats = run.scores.map { Int64($0.heat) }
    let trends = run.scores.map { Int64($0.trend) }
    let encryptor = BfvEncryptor(publicKey: PublicKey(secretKey: secretKey))
    let encryptedHeat = try encryptor.encrypt(try encoder.encode(signed: heats, encoding: .batch))
    let encryptedTrend = try encryptor.encrypt(try encoder.encode(signed: trends, encoding: .batch))
    let sum = try BfvEvaluator(context: context).add(encryptedHeat, encryptedTrend)
    let decrypted = try encoder.decodeSigned(try BfvDecryptor(secretKey: secretKey).decrypt(sum))
    let expected = zip(heats, trends).map { $0 + $1 }
    try check(Array(decrypted.prefix(expected.count)) == expected, "decrypt(heat + trend) differs from the plaintext sum")
    print("2. BFV (\(parameters.name)): decrypt(Enc(heat) + Enc(trend)) equals heat + trend for all \(expected.count) clients")

    // 3. Churn against heat features, with HeatML.
    let churned = Dictionary(uniqueKeysWithValues: dataset.labels.map { ($0.clientID, $0.churned ? 1 : 0) })
    let labels = run.scores.map { churned[$0.clientID] ?? 0 }
    let features = try Matrix(rows: run.scores.map { [log1p(Double($0.heat)), Double($0.trend) / 1_000, $0.cooling ? 1 : 0] })
    var model = LogisticRegression(c: 1)
    try model.fit(features, labels: labels)
    let auc = try rocAUC(labels: labels, scores: try model.predictProbabilities(features))
    print("3. logistic regression of churn on heat features: training ROC-AUC \(String(format: "%.3f", auc)) over \(labels.count) clients")
    try check(auc > 0.5, "heat features carry no churn signal (ROC-AUC \(auc))")
}

do {
    try runTour()
} catch {
    FileHandle.standardError.write(Data("heat-library-tour failed: \(error)\n".utf8))
    exit(1)
}
