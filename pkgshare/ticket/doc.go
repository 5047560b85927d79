// Package ticket is the one copy-pasteable string that is enough to fetch a
// package on a node with no configuration at all.
//
// Terms:
//
//   - Ticket: a package ID, optionally one version of it (its number and
//     version ID), one provider (a node ID and the addresses it had when
//     the ticket was made, relayed ones included) and the rendezvous nodes
//     the provider uses. A ticket is a hint, not a proof: the manifest a
//     fetch gets is still verified against the package ID (and the version
//     ID when the ticket names one).
//
//   - Printed form: Prefix ("p2psb1", the format's version), then the body
//     and its checksum in lowercase RFC 4648 base32 without padding.
//     Parsing accepts upper case too.
//
//   - Body: fields, each a one-byte tag, a uvarint length and that many
//     bytes, in tag order:
//
//     1 package ID   32 bytes, exactly once
//     2 version      uvarint version number, at most once
//     3 version ID   32 bytes, at most once
//     4 provider     node ID (peer ID bytes), at most once
//     5 address      a provider multiaddr, at most MaxAddrs (needs 4)
//     6 rendezvous   a rendezvous multiaddr ending in /p2p/<id>, at most MaxRendezvous
//
//   - Checksum: the first four bytes of SHA-256 over the prefix and the
//     body; it catches a ticket mangled in a copy, not a forged one.
//
// DialableAddrs prepares a provider's addresses for a ticket (interface
// addresses for 0.0.0.0, unbound ports dropped, the most useful first).
//
// Parse refuses, with an *Error saying which, a string of another format
// version, one whose checksum does not match, an unknown field, a field
// out of order or repeated, and anything past MaxLen characters.
package ticket
