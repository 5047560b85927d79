// Package manifest defines the signed, content-addressed description of one
// version of a p2psb package, and the IDs that name packages, versions and
// chunks.
//
// Terms:
//
//   - Package: a set of files published and versioned as one unit by one
//     publisher (a libp2p Ed25519 key) under a name.
//   - PackageID: SHA-256 over a domain tag, the publisher's marshalled public
//     key and the name. It is stable across versions and self-certifying:
//     anyone holding a manifest can recompute it. Printed "pkg_" + 52
//     lowercase base32 characters.
//   - Manifest: publisher, name, version number (1, 2, 3 ...), the previous
//     version's ID, creation time (UTC, milliseconds) and the files, sorted by
//     path, each with its size, permission bits and chunk list (hash and
//     size of each content-defined chunk, and whether it is worth
//     compressing), and the chunk hash function (HashAlgo: BLAKE3 for new
//     manifests, SHA-256 for those written before it).
//   - Sealed manifest: the manifest as a protobuf payload (package pb,
//     deterministic encoding) in a libp2p record Envelope signed by the
//     publisher with domain EnvelopeDomain and payload type PayloadCode. Its
//     envelope bytes (Raw) are what is stored and sent.
//   - VersionID: SHA-256 of the envelope bytes; printed "ver_" + 52 base32
//     characters. Open accepts only the canonical encoding of both the
//     envelope and the payload, and only Ed25519 keys (whose signatures
//     cannot be altered), so a version has exactly one ID.
//   - ChunkHash: the manifest's HashAlgo of a chunk's raw bytes, printed in
//     lowercase hex.
//   - Ref: what a user types to fetch, "<pkg-id>" (newest) or "<pkg-id>@<N>".
//
// Seal signs a manifest; Open checks untrusted bytes completely: size
// before parsing, encoding, signature, that the signer is the publisher, and
// every rule of Validate (name, version/previous, time, paths, modes, sizes,
// limits). CheckSuccessor checks one version against the newest known one,
// refusing rollbacks and forks.
//
// Paths (ValidatePath) are relative, slash-separated, UTF-8, without NUL,
// backslash, control characters, empty, "." or ".." components, and within
// MaxPathLen, MaxPathDepth and MaxComponentLen; no path appears twice and no
// file is also the directory of another. Paths that collide only after
// Unicode NFC normalization and case folding are accepted with a warning
// (Sealed.Warnings).
//
// Errors: every refusal is an *InvalidError naming the field and file path,
// whose InvalidInput method marks it as bad input, and which wraps one of the
// sentinels ErrBadSignature, ErrBadKey, ErrIDMismatch, ErrBadID, ErrBadPath,
// ErrBadName, ErrBadSize, ErrBadMode, ErrBadTime, ErrTooLarge, ErrMalformed,
// ErrBadVersion, ErrRollback or ErrFork (test with errors.Is).
package manifest
