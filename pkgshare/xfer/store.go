package xfer

import (
	"context"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Store is what a Server serves from: the node's library, including
// versions still being fetched (partial seeding). Implementations must be
// safe for concurrent use.
type Store interface {
	// Manifest returns the version named id, or an error wrapping
	// ErrNotFound.
	Manifest(ctx context.Context, id manifest.VersionID) (*manifest.Sealed, error)
	// Lookup returns version ref.Version of package ref.ID, or the newest
	// one held when ref.Version is 0; an error wrapping ErrNotFound when
	// there is none.
	Lookup(ctx context.Context, ref manifest.Ref) (*manifest.Sealed, error)
	// Have returns which distinct chunks (see Chunks) of version id are
	// held and verified; ErrNotFound when the version is unknown.
	Have(ctx context.Context, id manifest.VersionID) (*Bitfield, error)
	// ReadChunk fills buf (len(buf) is the chunk's size from the
	// manifest) with the chunk of version id whose hash is hash. It
	// returns an error wrapping ErrNotFound when the chunk is not held,
	// or ErrChanged when the file it lives in changed (size, modification
	// time or content) since it was recorded. Either is answered "not
	// found" to the peer.
	ReadChunk(ctx context.Context, id manifest.VersionID, hash manifest.ChunkHash, buf []byte) error
}

// Sink receives the verified chunks of one fetch. Implementations must be
// safe for concurrent use: several verify workers call WriteChunk at once.
type Sink interface {
	// Have returns which distinct chunks (see Chunks) of the version are
	// already present (resumed, or copied from local data); the fetch
	// requests only the others.
	Have(ctx context.Context) (*Bitfield, error)
	// WriteChunk stores a chunk whose hash (the manifest's HashAlgo) has
	// been verified to equal hash, at every place the version uses it.
	// data is only valid during the call. An error aborts the fetch.
	WriteChunk(ctx context.Context, hash manifest.ChunkHash, data []byte) error
}

// Notifier is told when the have-set of a version grows; *Server is one
// (its HAVE subscribers then get an update).
type Notifier interface {
	Notify(id manifest.VersionID)
}
