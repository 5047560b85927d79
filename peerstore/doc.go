// Package peerstore is a go-libp2p peerstore.Peerstore kept in SQLite, with
// the buddy list of p2psb.
//
// A Store implements every book of go-libp2p's peerstore (addresses with
// TTLs, keys, metadata, protocols, latency) and the CertifiedAddrBook for
// signed peer records, and passes go-libp2p's own peerstore test suites. It
// is made by Open (its own database file) or New (a *sql.DB shared with the
// rest of p2psb, opened with sqlitedb.DSN's settings).
//
// Terms:
//
//   - Record: everything the store knows about one peer. Records live in
//     the peerstore_ tables; their schema version is the row "peerstore" of
//     schema_migrations, and migrations run at New in one transaction. A
//     database from a newer version is refused with ErrSchemaTooNew.
//   - Cache: the Store keeps a small summary of every peer in memory (enough
//     for Peers, PeersWithAddrs and PeersWithKeys) and the full records of up
//     to Options.CacheSize recently used peers; other records are read from
//     the database when asked for.
//   - Writer: every write changes the in-memory record at once (so a read
//     always sees the caller's own writes) and marks it dirty; one writer
//     goroutine commits all dirty records in one transaction at least every
//     Options.FlushInterval. Flush commits at once; Close flushes. A process
//     killed loses at most the writes of the last FlushInterval, and the
//     database stays consistent (WAL, one transaction per batch).
//   - Expiry: an address is returned only before its expiry (TTL counted
//     from when it was set, on Options.Clock). The garbage collector deletes
//     expired addresses every Options.GCInterval, at most Options.GCBatch
//     peers per step. MaxPeers deletes the least recently updated peers that
//     are not buddies.
//   - Retention: the "last addresses that worked" for each peer with the
//     time they worked, kept apart from the TTL'd address book. libp2p lowers
//     a disconnected peer's addresses to a short TTL and calls RemovePeer a
//     minute later; retained addresses survive both (and restarts), so a
//     restarting node redials its peers from RecentPeers. The store learns
//     them from connections through Notifee (or TrackHost) or MarkWorking.
//   - Buddy: a node ID on the buddy list, with an optional unique alias.
//     Buddies are never evicted by MaxPeers; ProtectBuddies protects their
//     connections in a connection manager.
//   - Export document: the JSON form of the store (Export, Import), also
//     producible from any peerstore (ExportPeerstore), which is how an
//     in-memory peerstore moves to a Store. Private keys and metadata are not
//     exported. Import checks every record and writes nothing if one is bad.
//
// Errors meant for the user (bad alias, unknown buddy, bad import...) have
// an InvalidInput() bool method returning true.
package peerstore
