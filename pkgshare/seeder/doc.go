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
//   - Transfer: a fetch running on this node, as the node's status shows
//     it.
package seeder
