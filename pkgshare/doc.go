// Package pkgshare is p2psb's package world: publishing files as signed,
// versioned packages, and the library that remembers them.
//
// Terms:
//
//   - Package: a set of files published and versioned as one unit, named
//     by a manifest.PackageID derived from its publisher's key and name.
//   - Version: one immutable, signed manifest of a package (see
//     pkgshare/manifest), named by its manifest.VersionID.
//   - Library: the versions this node holds, published here or fetched,
//     and where each file and chunk is on disk, in the node's SQLite
//     database (tables pkgshare_*; see Schema).
//   - Publishing in place: Publish chunks and hashes the files where they
//     are (pkgshare/chunker) and copies nothing; the library records each
//     file's size and modification time so a later reader can tell that a
//     file changed behind its back.
//
// Bad input (a missing path, an empty directory, links, special files, a
// file changing while hashed, a bad name) is refused with an *InputError
// and records nothing.
package pkgshare
