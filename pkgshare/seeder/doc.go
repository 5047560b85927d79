// Package seeder serves the library to peers: it is the xfer.Store of a
// node's transfer server.
//
// Terms:
//
//   - Seeding: serving the chunks of complete versions from their files
//     where they are, and of versions being fetched from their partial
//     files (Attach, Detach), so a fetcher is a provider from its first
//     chunk.
//   - Changed file: a file whose size or modification time moved since
//     the library recorded it; its chunks are not served, and the change
//     is logged once per file.
//   - Unservable file: a file of a complete version whose content no
//     longer matches the manifest although its size and modification time
//     did not move. Every chunk read for a peer is hashed before it is
//     sent; one that fails is answered "not found", and its file is
//     verified in the background, one file at a time. A file that does
//     not match is logged (file, package, version), recorded unservable in
//     the library (so a restart does not serve it) and no longer served;
//     the version's other files still are. packages verify, or publishing
//     the directory again, clears the mark once the file matches.
//   - Transfer: a fetch running on this node, as the node's status shows
//     it.
package seeder
