// Package demo runs a whole p2psb network in one process on 127.0.0.1, for
// `p2psb demo`: a rendezvous node, a publisher of a generated package, and
// fetchers that find it through the rendezvous and swarm it from the
// publisher and from each other.
//
// Terms:
//
//   - Generated package: pseudo-random files of a chosen size and count,
//     written to a temporary directory the run removes at its end.
//   - Verified: a fetcher's files equal the originals byte for byte.
//   - From publisher / from peers: how a fetcher's chunk bytes split
//     between the publisher and the other fetchers (swarming).
package demo
