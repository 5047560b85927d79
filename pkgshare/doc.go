// Package pkgshare is p2psb's package world: publishing files as signed,
// versioned packages, the library that remembers them, and the node that
// shares them with peers.
//
// Terms:
//
//   - Package: a set of files published and versioned as one unit, named
//     by a manifest.PackageID derived from its publisher's key and name.
//   - Version: one immutable, signed manifest of a package (see
//     pkgshare/manifest), named by its manifest.VersionID.
//   - Library: the versions this node holds, published here or fetched,
//     and where each file and chunk is on disk, in the node's SQLite
//     database (tables pkgshare_*; see Schema). A fetched version is
//     recorded when its fetch starts, incomplete, with the bitfield of the
//     chunks written so far, so a killed fetch resumes.
//   - Publishing in place: Publish chunks and hashes the files where they
//     are (pkgshare/chunker) and copies nothing; the library records each
//     file's size and modification time, and the Seeder refuses to serve
//     from a file whose size or time moved since.
//   - Node: a libp2p host on the node key with the SQLite peerstore, the
//     rendezvous client (and, for a rendezvous node, the server), the
//     transfer server and fetcher (pkgshare/xfer), the catalog
//     (pkgshare/catalog) and the buddy keeper. A node registers under its
//     node namespace, every package it seeds under PackageNamespace, and
//     unregisters all of it when it closes.
//   - Fetch: Node.Fetch finds providers (rendezvous, explicit peers, and
//     buddies and recent peers when no rendezvous answers), picks the
//     newest valid version (or the one asked for), copies the chunks the
//     library already holds, and pulls the rest from every provider at
//     once into partial files under <target>/.p2psb-partial; a file moves
//     to its final path, inside the target only, once complete.
//
// Bad input (a missing path, an empty directory, links, special files, a
// file changing while hashed, a bad name) is refused with an *InputError
// and records nothing.
package pkgshare
