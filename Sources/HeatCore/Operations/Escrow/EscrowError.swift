import HeatEnvelope

/// What can go wrong splitting a secret key into escrow shares or recovering it.
///
/// Every case names the file (and, where it applies, the field) at fault and maps to an exit
/// code of DESIGN.md section 8 through ``category``.
///
/// ```swift
/// do {
///     _ = try KeyEscrow.recover(shares: files, custodianKeys: keys)
/// } catch let error as EscrowError {
///     print(error, error.category.exitCode)   // "... 2 shares given, the escrow needs 3" 64
/// }
/// ```
public enum EscrowError: ClassifiedError, Equatable {
    /// The threshold is below 2 or above the share count, or more than 255 shares were asked for.
    case invalidThreshold(threshold: Int, shares: Int)
    /// `--shares` disagrees with the number of custodians given.
    case custodianCountMismatch(shares: Int, custodians: Int)
    /// The same custodian public key was given twice.
    case duplicateCustodian(path: String)
    /// A custodian name is empty, too long or has characters other than letters, digits, `.`, `_`, `-`.
    case invalidCustodianName(name: String)
    /// The secret to split is empty.
    case emptySecret
    /// The file to escrow is not a secret-key envelope.
    case notASecretKey(path: String, kind: EnvelopeKind)
    /// A file's envelope is unreadable, corrupt or of another kind.
    case envelope(EnvelopeError)
    /// A share or custodian key file's JSON payload lacks a field or has a bad value.
    case badFile(path: String, field: String, reason: String)
    /// Two shares given to one recovery belong to different escrows (or disagree on its manifest).
    case mixedEscrows(path: String, otherPath: String, field: String)
    /// Two shares given to one recovery carry the same share number.
    case duplicateShare(path: String, otherPath: String, index: Int)
    /// No custodian key given opens a share.
    case missingCustodianKey(path: String, custodian: String)
    /// A share failed its integrity check: the sealed bytes or the header were modified, or the
    /// opened share does not match the digest the escrow recorded for it.
    case tamperedShare(path: String, reason: String)
    /// Fewer shares than the threshold were given.
    case belowThreshold(given: Int, needed: Int)
    /// The shares passed to ``ShamirSecretSharing/combine(_:)`` do not fit together.
    case inconsistentShares(reason: String)
    /// The interpolated secret does not match the digest recorded at split time.
    case recoveredDigestMismatch(escrowID: String)
    /// Sealing or opening with HPKE failed for a reason other than tampering.
    case crypto(reason: String)
    /// An output file could not be written.
    case unwritable(path: String, reason: String)
    /// An output file already exists (escrow never replaces files).
    case alreadyExists(path: String)

    public var category: ErrorCategory {
        switch self {
        case .invalidThreshold, .custodianCountMismatch, .duplicateCustodian, .invalidCustodianName, .belowThreshold,
             .alreadyExists, .duplicateShare:
            .usage
        case .emptySecret, .notASecretKey, .badFile, .mixedEscrows, .tamperedShare, .inconsistentShares,
             .recoveredDigestMismatch:
            .dataError
        case .missingCustodianKey: .noInput
        case .envelope(let error): error.category
        case .crypto: .internalFailure
        case .unwritable: .ioError
        }
    }

    public var description: String {
        switch self {
        case .invalidThreshold(let threshold, let shares):
            "threshold \(threshold) with \(shares) shares: the threshold must be between 2 and the number of shares, at most \(ShamirSecretSharing.maximumShares)"
        case .custodianCountMismatch(let shares, let custodians):
            "--shares \(shares) but \(custodians) custodian public keys: each share is sealed for exactly one custodian"
        case .duplicateCustodian(let path):
            "\(path): this custodian public key was already given; each share needs its own custodian"
        case .invalidCustodianName(let name):
            "custodian name \"\(name.prefix(64))\": use 1 to 64 letters, digits, '.', '_' or '-'"
        case .emptySecret:
            "the secret to escrow is empty"
        case .notASecretKey(let path, let kind):
            "\(path): a \(kind) file, not a secret key; escrow takes a secret key file such as keyholder/bfv-secret-key.heat"
        case .envelope(let error):
            error.description
        case .badFile(let path, let field, let reason):
            "\(path): field \"\(field)\": \(reason)"
        case .mixedEscrows(let path, let other, let field):
            "\(path) and \(other) disagree on \"\(field)\": they belong to different escrows or one was altered"
        case .duplicateShare(let path, let other, let index):
            "\(path) and \(other) are both share \(index)"
        case .missingCustodianKey(let path, let custodian):
            "\(path): sealed for custodian \"\(custodian)\", whose key was not given"
        case .tamperedShare(let path, let reason):
            "\(path): the share failed its integrity check (\(reason))"
        case .belowThreshold(let given, let needed):
            "\(given) share\(given == 1 ? "" : "s") given, the escrow needs \(needed)"
        case .inconsistentShares(let reason):
            "the shares do not fit together (\(reason))"
        case .recoveredDigestMismatch(let escrowID):
            "escrow \(escrowID): the recovered key does not match the digest recorded when it was split"
        case .crypto(let reason):
            "HPKE failed (\(reason))"
        case .unwritable(let path, let reason):
            "\(path): cannot write (\(reason))"
        case .alreadyExists(let path):
            "\(path): a file already exists; refusing to replace it"
        }
    }

    public var hint: String? {
        switch self {
        case .invalidThreshold: "pick --threshold K with 2 <= K <= --shares N <= 255, for example 3 of 5"
        case .custodianCountMismatch: "pass one --custodian public key per share, or leave out --shares"
        case .duplicateCustodian: "give each custodian their own key pair (`heatctl keys escrow custodian`)"
        case .invalidCustodianName: "for example --name alice or --name risk-office.2"
        case .notASecretKey: "pass the key holder's secret key file"
        case .envelope(let error): error.hint
        case .badFile, .tamperedShare: "ask the custodian for an intact copy of the share, or use another custodian's share"
        case .mixedEscrows, .duplicateShare: "pass shares of one escrow, each once"
        case .missingCustodianKey: "pass that custodian's key with --custodian-key, or use another custodian's share"
        case .belowThreshold(_, let needed): "gather at least \(needed) custodians with their shares and keys"
        case .inconsistentShares, .recoveredDigestMismatch: "recover from another set of shares; at least one share given is not genuine"
        case .crypto, .emptySecret: nil
        case .unwritable: "check that the folder exists and is writable"
        case .alreadyExists: "choose an empty --out folder"
        }
    }
}
