// Package library is what a node holds: the versions it published or
// fetched, in the node's SQLite database (tables pkgshare_*; see Schema),
// and publishing files into it.
//
// Terms:
//
//   - Package: a set of files published and versioned as one unit, named
//     by a manifest.PackageID derived from its publisher's key and name.
//   - Version: one immutable, signed manifest of a package (see
//     pkgshare/manifest), named by its manifest.VersionID, with where each
//     of its files is on disk (StoredFile) and whether all of it is there
//     (complete).
//   - Publishing in place: Publish chunks and hashes the files where they
//     are (pkgshare/chunker) and copies nothing; the library records each
//     file's size and modification time, and readers (ReadUnchanged)
//     refuse a file whose size or time moved since.
//   - Unservable file: a file found not to match the manifest although
//     its size and time did not move (Recheck, when a chunk read from it
//     fails its hash); it is not served until Verify or a Publish of its
//     directory finds it matching again.
//   - Fetch record: a fetched version is recorded when its fetch starts
//     (StartFetch), incomplete, with the bitfield of the distinct chunks
//     written so far (SaveProgress), so a killed fetch resumes; it becomes
//     complete, with its chunk rows, in CompleteFetch.
//   - Local copy: a chunk a fetch needs that a complete version already
//     holds is read from that version's files (HeldChunks, OpenCopies)
//     instead of being fetched.
//   - Fetched or published: a version is fetched when a fetch recorded it
//     (StartFetch), published here otherwise.
//   - Prune: forgetting all but the newest N complete versions of a
//     package, of the fetched ones only, and deleting their files that no
//     version left in the library records at the same path (Prune); the
//     files still to delete are recorded, so an interrupted prune is
//     finished by the next.
//   - Catalog: the newest complete version of each package, which the
//     node offers to peers that browse it (pkgshare/catalog).
//
// Bad input (a missing path, an empty directory, links, special files, a
// file changing while hashed, a bad name) is refused with an *InputError
// and records nothing; a version or package that is not there is a
// *NotFoundError.
package library
