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
//     did not move. A chunk read for a peer is hashed before it is sent
//     unless it is trusted; one that fails is answered "not found", and
//     its file is verified in the background, one file at a time. A file that does
//     not match is logged (file, package, version), recorded unservable in
//     the library (so a restart does not serve it) and no longer served;
//     the version's other files still are. packages verify, or publishing
//     the directory again, clears the mark once the file matches.
//   - Trusted chunk: one read from a file and matched with its hash
//     under a stamp (library.Stamp: inode, size, modification and change
//     times) of a file that had then gone unchanged for a while. Reads of
//     it under the same stamp are not hashed again; any write to the file
//     gives it a new change time, and the next read is hashed. Fetchers
//     verify every chunk whatever a seeder does, so what the check buys is
//     finding a changed file before a peer is sent bad bytes.
//   - Transfer: a fetch running on this node, as the node's status shows
//     it.
package seeder
