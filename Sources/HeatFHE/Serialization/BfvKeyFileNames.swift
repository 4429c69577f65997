/// The file names of a BFV key folder, shared by `heatctl fhe keygen` (HeatFHETools) and the
/// encrypted pipeline's key folders (HeatCore).
///
/// ```swift
/// let publicKey = folder.appending(path: BfvKeyFileNames.publicKey)
/// ```
public enum BfvKeyFileNames {
    /// The parameters file.
    public static let parameters = "bfv-parameters.heat"
    /// The secret key (mode 0600).
    public static let secretKey = "bfv-secret-key.heat"
    /// The public key.
    public static let publicKey = "bfv-public-key.heat"
}
