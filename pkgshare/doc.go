// Package pkgshare is p2psb's package world: publishing files as signed,
// versioned packages, the library that remembers them, and the node that
// shares them with peers. This package holds no code; its sub-packages
// each hold one concept, and import each other in one direction only:
//
//	manifest   the signed, versioned description of a package (wire format, IDs)
//	chunker    content-defined chunking and hashing of files
//	home       the node's directory: identity key, database file
//	library    the SQLite library of versions, publishing into it
//	sink       writing a fetched version to disk: partial files, resume state
//	seeder     serving the library and running fetches to peers (xfer.Store)
//	xfer       the chunk transfer protocol: server, fetcher, scheduler
//	catalog    the protocol that lists a node's packages to peers
//	fetch      one fetch: resolving the version, local copy, pulling from providers
//	follow     following packages: announcements on a GossipSub topic, checks, fetching each new version
//	ticket     one string naming a package, a provider and its rendezvous nodes
//	transport  TCP with batched writes, dial ranking
//	buddy      keeping buddies connected
//	node       the libp2p host and everything wired to it: announcing, providers, status
//	control    the daemon's local control socket
//	watch      publishing a watched directory again when its files change
//	demo       a whole network in one process
//
// The arrows: cmd → {control, demo, ticket} → node → {follow, fetch, buddy,
// transport, catalog}; follow → fetch → seeder → sink → library →
// {manifest, chunker, home, xfer, catalog}; cmd → watch → library. node,
// buddy and control use peerstore and rendezvous, which import nothing of
// pkgshare; library, follow, peerstore and rendezvous each migrate their
// own tables with peerstore/sqlitedb. A concept's terms are defined in its
// package's doc.go.
package pkgshare
