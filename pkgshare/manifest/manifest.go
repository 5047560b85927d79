package manifest

import (
	"io/fs"
	"math"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
)

// Limits enforced by Seal, Open and Validate. They bound what one untrusted
// manifest can make a peer parse and hold in memory.
const (
	MaxManifestSize = 64 << 20      // bytes of a sealed envelope
	MaxFiles        = 1 << 20       // files per manifest
	MaxChunks       = 1 << 21       // chunks per manifest, all files together
	MaxChunkSize    = 4 << 20       // bytes per chunk
	MaxPathLen      = 4096          // bytes per file path
	MaxPathDepth    = 64            // components per file path
	MaxComponentLen = 255           // bytes per path component
	MaxNameLen      = 255           // bytes per package name
	MaxVersion      = math.MaxInt64 // version numbers fit a signed 64-bit integer (SQLite)
)

// Chunk is one content-defined piece of a file.
type Chunk struct {
	Hash         ChunkHash
	Size         uint32 // 1 to MaxChunkSize
	Compressible bool   // worth compressing on the wire (decided at publish time)
}

// File is one regular file of a package.
type File struct {
	Path   string      // relative, slash-separated; see ValidatePath
	Size   int64       // the sum of the chunk sizes
	Mode   fs.FileMode // permission bits only (0o644, 0o755 ...)
	Chunks []Chunk     // in file order; none for an empty file
}

// Manifest is the content of one version of a package, before sealing or
// after opening.
type Manifest struct {
	Publisher crypto.PubKey // must be an Ed25519 key
	Name      string        // see ValidateName
	Version   uint64        // 1, 2, 3 ... up to MaxVersion
	Previous  VersionID     // zero for version 1, the ID of version-1 otherwise
	Created   time.Time     // Seal stores it in UTC with millisecond precision
	Files     []File        // Seal sorts them by Path (byte-wise)
	HashAlgo  HashAlgo      // what every Chunk.Hash was computed with
}

// PackageID derives the ID of the package this manifest is a version of.
func (m *Manifest) PackageID() (PackageID, error) {
	return NewPackageID(m.Publisher, m.Name)
}

// Size returns the total number of bytes in the package's files.
func (m *Manifest) Size() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

// ChunkCount returns the number of chunks of all files (a chunk shared by two
// files, or repeated in one, counts each time).
func (m *Manifest) ChunkCount() int {
	n := 0
	for _, f := range m.Files {
		n += len(f.Chunks)
	}
	return n
}
