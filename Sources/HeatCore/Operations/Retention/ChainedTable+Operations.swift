extension ChainedTable {
    /// Signed retention tombstones (migration `v5-operations`, issue 27): one row per contiguous
    /// range of rows dropped from a weekly table by the retention policy, signed by the key
    /// holder (``RetentionTombstone``). `audit verify` bridges a chain's gap only with a valid
    /// tombstone, so deletion by policy is told apart from tampering.
    public static let retentionTombstones = ChainedTable(
        name: "retention_tombstones",
        columns: [
            ("recorded_at", "TEXT NOT NULL"), ("table_name", "TEXT NOT NULL"), ("first_seq", "INTEGER NOT NULL"),
            ("last_seq", "INTEGER NOT NULL"), ("policy", "TEXT NOT NULL"), ("anchors", "TEXT NOT NULL"),
            ("key_fingerprint", "TEXT NOT NULL"), ("signature", "BLOB NOT NULL"),
        ],
        introducedIn: 5)
}
