// Package rendezvous implements the libp2p rendezvous protocol
// (/rendezvous/1.0.0) for p2psb: a server that keeps registrations in
// SQLite, a client that implements libp2p's discovery.Discovery, p2psb's
// namespaces for locating nodes and rendezvous nodes, and a federation that
// shares registrations between rendezvous nodes over GossipSub.
//
// # Terms
//
// A rendezvous (point) is a node running the server. A peer registers in a
// namespace, UTF-8 text without NUL bytes of at most MaxNamespaceLength
// bytes, by sending its signed peer record (a libp2p record.Envelope holding
// a peer.PeerRecord) and a TTL; the server stores one registration per
// (namespace, peer), the newest replacing the older, until the TTL runs out.
// A record whose Seq is lower than that of the live registration it would
// replace is a replay and is refused. Anyone may discover the registrations
// of a namespace, or of all namespaces with the empty one.
//
// # Messages
//
// Every message is a protobuf (package pb, proto2, the spec's field numbers)
// framed by an unsigned-varint length prefix. A client opens a stream and
// sends any number of requests on it, each answered in order:
//
//	REGISTER{ns, signedPeerRecord, ttl}  -> REGISTER_RESPONSE{status, statusText, ttl}
//	UNREGISTER{ns, id}                   -> (no answer)
//	DISCOVER{ns, limit, cookie}          -> DISCOVER_RESPONSE{registrations, cookie, status, statusText}
//
// A cookie is opaque to clients. This server's cookies name a position in
// its registration counter, are bound to the namespace they were issued for
// and carry an HMAC under a secret kept in the database, so they survive a
// restart and any change to them is detected. A DISCOVER with a cookie
// returns only registrations made or refreshed after the position.
//
// # Errors
//
// Refusals use the spec's status codes, each with a sentinel error here:
//
//	100 E_INVALID_NAMESPACE           ErrInvalidNamespace (empty, > 255 bytes, not UTF-8, a NUL byte)
//	101 E_INVALID_SIGNED_PEER_RECORD  ErrInvalidRecord (bad signature, another peer, too many addresses, older Seq)
//	102 E_INVALID_TTL                 ErrInvalidTTL (outside [min TTL, MaxTTL])
//	103 E_INVALID_COOKIE              ErrInvalidCookie (forged, or for another namespace)
//	200 E_NOT_AUTHORIZED              ErrNotAuthorized (a record of another peer, per-peer registration limit)
//	300 E_INTERNAL_ERROR              ErrInternal (database failure)
//	400 E_UNAVAILABLE                 ErrUnavailable (server closing, or full: see below)
//
// A client receives them as a *StatusError, which matches the sentinel with
// errors.Is. An UNREGISTER has no answer: one naming another peer, or a
// namespace the peer is not registered in, is ignored.
//
// # Limits
//
// A server holds at most DefaultMaxRegistrations (100,000) registrations of
// all peers together, or what WithMaxRegistrations sets; expired ones count
// until collected, and a full server collects some before refusing. When
// full it answers a REGISTER that would add a registration with
// E_UNAVAILABLE, from clients and from the backbone alike, and still
// accepts refreshes of registrations it holds. Tombstones are bounded by
// the same number, the oldest dropped first. One peer holds at most 1000
// registrations (WithMaxRegistrationsPerPeer).
//
// # Learned rendezvous nodes
//
// A client started WithLearned remembers in its database (its own table,
// rendezvous_learned, component "rendezvous-client") the rendezvous nodes
// ListRendezvous finds under RendezvousNamespace and those given to Learn,
// at most MaxLearned, the one heard of longest ago making way. When none of
// the configured rendezvous nodes answers a request (dial errors,
// timeouts, refusals), the request goes to up to 8 learned ones, the most
// recently heard of first; for a minute after that the learned ones are
// asked alongside the configured ones.
//
// # Federation
//
// Rendezvous nodes started WithBackbone form a backbone: they join the
// GossipSub topic BackboneTopic and publish every registration and
// unregistration they accept from a client as a pb.Update carrying the
// signed peer record and the remaining TTL. A receiver verifies the record
// itself (the topic validator drops what does not verify, so it is not
// forwarded either), caps the TTL and stores it; an older record never
// replaces a newer one, and an unregistration removes only a registration
// whose record is not newer than the one carried. Stored registrations get
// the receiver's own counter, so its cookies keep working.
//
// A node that joins or restarts catches up from each backbone peer over
// SyncProtocolID: it sends SyncRequest{cursor} and receives SyncBatch frames
// of the registrations and tombstones (unregistrations, kept until the
// removed registration would have expired) the peer stored after the
// cursor, the peer's counter of the last update it stored. The cursor is
// kept per backbone peer in the database, with the peer's epoch: a random
// number the peer drew when its database was created, sent in every
// SyncBatch and back in the SyncRequest. A peer whose database was made anew
// (its counter restarted) has another epoch, so it sends everything it holds
// and the cursor counts afresh; a requester with no epoch (an older node)
// is trusted with its cursor. Catch-up repeats every few minutes and
// whenever a connection to the peer comes back, which also heals updates
// lost to a partition. A server whose database was wiped knows no members,
// but the members that know it dial it again; their catch-up requests make
// them members again, and it catches up from each.
//
// # Membership
//
// The peers named with WithBackbone are needed only to join. Catch-up
// (SyncProtocolID, /p2psb/rendezvous-sync/1.1.0) also exchanges the
// membership: the requester sends its own signed peer record in the
// SyncRequest, and the answer starts with a Members frame, the sender's own
// record and those of the members it knows. A server dials every member it
// learns of, catches up from it and keeps retrying with backoff (1 s doubling
// to a minute), so the backbone stays meshed when any one member is lost. The
// members are kept in the database (rendezvous_backbone_members): a restarted
// member rejoins all of them though started with no backbone peers.
//
// Server.Backbone tells how a server stands with each peer it keeps in
// touch with: joining (not tried yet), federating (the last catch-up
// succeeded), unreachable, not federating (the peer speaks neither sync
// protocol: a rendezvous not started as a backbone member, or no
// rendezvous at all) or refused (it broke off the catch-up). A configured
// peer that fails is logged as a warning when its state changes, and its
// BackbonePeer.Warning says so; the join loop keeps retrying with backoff.
//
// A member's record carries the time it was signed as its Seq (unix
// nanoseconds); each member signs a fresh one for every catch-up it asks for
// or answers, and only a newer record replaces a held one. A member not heard
// of for 7 days is forgotten. A server remembers at most
// DefaultMaxBackboneMembers (WithMaxBackboneMembers), the one heard of
// longest ago making way; a Members frame holds at most 512 KiB and a member
// record at most 4 KiB. Membership is as open as the backbone topic: anyone
// who asks for a catch-up with its record becomes a member. A node that
// speaks only 1.0.0 is still served and caught up from, without membership.
package rendezvous
