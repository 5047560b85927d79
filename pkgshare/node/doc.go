// Package node runs a p2psb node: a libp2p host on the node key with the
// SQLite peerstore, and everything wired to it.
//
// Terms:
//
//   - Node: the host (TCP with TLS first, QUIC and Noise too; see
//     pkgshare/transport), the rendezvous client (and, for a rendezvous
//     node, the server and circuit relay), the transfer server and
//     fetcher (pkgshare/xfer) over the library (pkgshare/library and
//     pkgshare/seeder), the catalog (pkgshare/catalog) and the buddy
//     keeper (pkgshare/buddy).
//   - Announce: registering a namespace at the rendezvous nodes, again
//     whenever a rendezvous node reconnects; a node registers under its
//     node namespace, every package it seeds under PackageNamespace, and
//     unregisters all of it when it closes.
//   - Learned rendezvous nodes: those the configured ones list (asked at
//     the first rendezvous check and every learnEvery) and a ticket's,
//     remembered in the database and asked when the configured ones fail
//     (see rendezvous.WithLearned).
//   - Providers: the peers a fetch asks (see pkgshare/fetch): explicit
//     ones, then what the rendezvous returns, asked again while the fetch
//     runs; buddies and recently seen peers when no rendezvous answers.
//   - Score: what the peerstore remembers of a peer's behaviour (ScoreKey),
//     decaying by half every ScoreHalfLife; a peer that sends a bad chunk
//     loses badPeerScore. Fetches skip peers below SkipScore, ask peers of
//     negative score last and prefer buddies (score.go).
//   - Observed addresses: this node's addresses as peers report them
//     (identify), shown in Status.
//   - Reachability: whether peers can dial the node (public, private or
//     unknown; see reachability.go). Every ordinary node runs the AutoNAT
//     v2 client and DCUtR hole punching; one that listens and has
//     rendezvous nodes also runs AutoRelay with them as static relays, so
//     that behind a NAT it holds a relay reservation and registers
//     /p2p-circuit addresses (the node registers again whenever its
//     addresses change). A rendezvous node runs the circuit relay, the
//     AutoNAT v1 service and the AutoNAT v2 server (rendezvous.NodeOptions).
//   - Reach: finding and dialling a peer by ID alone (peerstore, then the
//     rendezvous), for browsing its catalog (Browse).
//   - Port claim: a node holds each fixed listen port alone (a lock file
//     naming its home, and a probe for TCP; see ports.go), since
//     SO_REUSEPORT would let two nodes bind one port.
//
// A bad setting (an unparsable address, say) is a *ConfigError.
package node
