import Hummingbird

/// The request context of the API server: Hummingbird's core storage plus the verified caller.
public struct HeatRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The caller, once its token has been verified (`nil` on public endpoints).
    public var identity: Identity?
    /// The session id when the caller was authenticated by the dashboard's session cookie rather
    /// than a bearer token (`nil` for bearer tokens and public endpoints).
    public var sessionID: String?

    /// Creates a context for a new request.
    ///
    /// - Parameter source: the channel's request source.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        sessionID = nil
    }
}
