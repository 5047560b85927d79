// Package catalog is p2psb's browsing protocol, /p2psb/catalog/1.0.0: a
// node tells a peer which packages it shares, as the sealed manifests of
// the newest complete version of each package in its library, and the
// peer checks every one of them.
//
// Terms:
//
//   - Catalog: what a node shares, one entry per package: the envelope
//     bytes (manifest.Sealed.Raw) of the newest version the node holds
//     completely. Versions still being fetched are left out.
//   - Source: where a Service reads its own catalog from (the library).
//   - Page: the entries one stream carries, in the Source's order.
//   - Cursor: an opaque token (at most MaxCursor bytes) the server hands
//     out at the end of a page that is followed by more; the client sends
//     it back to get the next page.
//   - Listing: what List returns: the manifests that verified, the ones
//     dropped (Rejected, with the reason), and whether the client stopped
//     at its own bounds (Truncated).
//
// Protocol. Each page is one stream. The client sends one Request {cursor,
// limit} (protobuf, varint-length delimited, package pb); the server
// answers with zero or more Response{manifest} messages and one
// Response{end: End{status, message, cursor}}, then closes. A non-empty
// End.cursor means more pages follow; a page that says so must have
// carried at least one manifest, and its cursor must differ from the one
// the client sent.
//
// Status codes (End.status): OK; BAD_REQUEST (a malformed request, a
// cursor that is too long: ErrBadRequest); INTERNAL (the server failed:
// ErrRemote on the client).
//
// Bounds: a Request is at most 1 KiB; a Response at most
// manifest.MaxManifestSize plus 4 KiB. A server puts at most its page
// size of manifests (WithPage: 256 by default) and about its page bytes
// (8 MiB, but always at least one manifest) on a page. A client stops
// after MaxPackages manifests or MaxBytes of them in all (WithLimits;
// Listing.Truncated says so), and gives up on a page after the timeout
// (WithTimeout, 30 s). Both sides bound every stream by that timeout;
// errors Reset the stream, success Closes it.
//
// Trust: the client opens every manifest with manifest.Open (signature,
// publisher, every manifest rule) and drops, and reports in
// Listing.Rejected, any that does not verify or that names a package
// already listed.
//
// Errors: ErrBadRequest, ErrRemote, ErrProtocol, ErrTimeout,
// ErrUnsupported (the peer does not speak the protocol); match them with
// errors.Is.
package catalog
