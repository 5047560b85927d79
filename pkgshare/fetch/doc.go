// Package fetch gets a version of a package from peers into a target
// directory: finding the version, copying what the library already
// holds, and pulling the rest from every provider at once.
//
// Terms:
//
//   - Provider: a peer that may hold the package, from the node's Env
//     (explicit peers, the rendezvous, buddies and recent peers); more are
//     taken while the fetch runs.
//   - Resolve: choosing the version to fetch: the one asked for from the
//     first provider that has it, or the newest valid version any provider
//     offers (waiting newestGrace for the others once one answered).
//   - Pass: one run of xfer.Fetcher over the sink; a fetch runs one beside
//     its local copy, and one more for chunks a copy could not provide.
//
// A fetch writes through pkgshare/sink, so an interrupted one resumes
// where it stopped, and serves what it has while it runs.
package fetch
