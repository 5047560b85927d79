// Package natlab builds, from a Go test, a small internet with home NATs out
// of Linux network namespaces, so that tests can run real processes (a
// rendezvous node, two peers behind different routers) and watch hole
// punching succeed or fail as it would across real home routers.
//
// Terms:
//
//   - Lab: one topology built by New for one test and torn down by the
//     test's Cleanup (or Lab.Close). Everything lives in network namespaces
//     the lab creates; none of them has a link to the machine's own
//     namespace, so no packet a test sends can leave the lab.
//   - Host: one network namespace of the lab, named by the test (Spec),
//     with one of three roles: public host, home router or client.
//   - Public net: the lab's "internet", a bridge in a namespace of its own
//     that joins the public hosts and every router's WAN leg. It has no
//     default route anywhere: an address outside the lab is unreachable.
//   - Public host: a host with one address on the public net and nothing in
//     front of it, for a rendezvous node, a relay or an echo server.
//   - Home router: a host with a WAN leg on the public net (its one public
//     address) and a LAN leg, a bridge in the router's namespace, joining
//     its clients. It forwards LAN to WAN with source NAT (nftables
//     masquerade) and drops, silently and counted (DroppedInbound),
//     everything from the WAN that conntrack does not know as the reply
//     to something a client sent: unsolicited inbound TCP and UDP (so QUIC)
//     alike, including to the router itself.
//   - Client: a host on a router's LAN whose default route is its router.
//   - Mapping: how a router picks the external port for a client's flow
//     (RFC 4787 section 4.1).
//   - EIM, endpoint-independent mapping (EndpointIndependent): the same
//     local address and port gets the same external port whatever the
//     destination; Linux masquerade keeps the client's own port when it is
//     free (port preservation). What most home routers do; hole punching
//     works through it.
//   - Symmetric NAT, EDM, endpoint-dependent mapping (EndpointDependent):
//     every new flow gets a random external port (masquerade fully-random),
//     so the port a rendezvous node observes is not the port another peer
//     would see. Hole punching between two of them fails; a relay is the
//     way through.
//   - Filtering: both kinds filter by address and port (conntrack only
//     lets in replies from the exact address and port a flow was sent
//     to), so an EIM router here is a "port-restricted cone" NAT, and a
//     punched hole is one flow, not an open port.
//
// Addressing plan (IPv4 only; IPv6 is disabled in every lab namespace):
//
//	public net         11.77.0.0/24
//	public host i      11.77.0.(10+i)       i = 0..89, in Spec.Public order
//	router k, WAN      11.77.0.(101+k)      k = 0..99, in Spec.Homes order
//	router k, LAN      192.168.(1+k).0/24, router at .1
//	client j of k      192.168.(1+k).(10+j) j = 0..199
//
// Names: a lab's namespaces are called natlab-<pid>-<id> (the public
// net) and natlab-<pid>-<id>-<host>, where pid is the test process and id
// is unique within it, so labs of tests running in parallel, in one
// package or in several, never meet. New first removes the namespaces of
// labs whose process is dead (a run killed before its Cleanup ran).
// Interface names are fixed inside each namespace (eth0 on public hosts
// and clients; wan0 and the lan0 bridge on routers; br0, p-<host> on the
// public net and c-<client> on a router's LAN), so they stay within the
// kernel's 15 bytes whatever the namespace is called.
//
// Running code in a host: Host.Start runs a program there through
// `ip netns exec` and captures its output; this is the reliable way to run
// a libp2p host, whose sockets are opened by many goroutines. Host.Do runs
// a function on an OS thread switched into the namespace; sockets it opens
// stay in that namespace for their whole life, but goroutines it starts do
// not run in the namespace (see Do).
//
// For libp2p tests: the public net is in a globally routed range
// (manet.IsPublicAddr), not a private one, because go-libp2p treats
// private addresses as local: a stock host would neither advertise lab
// addresses as public, nor probe them with AutoNAT, nor hand them to its
// hole-punching service, which accepts public addresses only. No packet
// to that range leaves the lab: lab namespaces have no link to the
// machine's own namespace and no default route out of the lab. Routers keep
// Linux's conntrack timeouts (an unanswered UDP flow is forgotten after
// 30 s, an answered one 120 s after its last packet); Host.Sysctl on a
// router changes them. Nothing hairpins: a client cannot reach its own
// router's WAN address.
//
// New skips the test, with one line saying why, where the lab cannot be
// built: not root, no ip or nft (iproute2, nftables), or no network
// namespace or NAT support in the kernel. Set NATLAB_REQUIRE=1 to make
// that a failure instead.
package natlab
