package manifest

import (
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	cryptopb "github.com/libp2p/go-libp2p/core/crypto/pb"
)

// maxCreated is the latest creation time accepted: later years do not
// survive RFC 3339 (JSON) formatting.
var maxCreated = time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)

// Validate checks everything Open checks except the signature and the
// canonical encoding (Open also requires Files sorted by Path; Seal sorts).
func (m *Manifest) Validate() error {
	_, err := m.check()
	return err
}

// check validates m and returns the warnings it earns.
func (m *Manifest) check() ([]string, error) {
	if err := checkPublisher(m.Publisher); err != nil {
		return nil, err
	}
	if err := ValidateName(m.Name); err != nil {
		return nil, err
	}
	if err := checkVersion(m.Version, m.Previous); err != nil {
		return nil, err
	}
	if err := checkHashAlgo(int64(m.HashAlgo)); err != nil {
		return nil, err
	}
	if m.Created.IsZero() || m.Created.UnixMilli() <= 0 || m.Created.After(maxCreated) {
		return nil, invalid(ErrBadTime, "created", "", "%s is outside 1970-01-01 to 9999-12-31",
			m.Created.UTC().Format(time.RFC3339))
	}
	if err := checkCounts(len(m.Files), m.ChunkCount()); err != nil {
		return nil, err
	}
	for i := range m.Files {
		if err := checkFile(&m.Files[i]); err != nil {
			return nil, err
		}
	}
	return checkPathSet(m.Files)
}

// checkPublisher requires an Ed25519 key: its signatures are deterministic
// and cannot be altered by a third party, so a version has one ID.
func checkPublisher(pub crypto.PubKey) error {
	if pub == nil {
		return invalid(ErrBadKey, "publisher", "", "missing public key")
	}
	if t := pub.Type(); t != cryptopb.KeyType_Ed25519 {
		return invalid(ErrBadKey, "publisher", "", "%s key; only Ed25519 publisher keys are supported", t)
	}
	return nil
}

// checkVersion requires 1 <= v <= MaxVersion, and a previous version ID
// exactly when v > 1.
func checkVersion(v uint64, prev VersionID) error {
	switch {
	case v == 0:
		return invalid(ErrBadVersion, "version", "", "0; versions count from 1")
	case v > MaxVersion:
		return invalid(ErrBadVersion, "version", "", "%d is above the limit %d", v, uint64(MaxVersion))
	case v == 1 && !prev.IsZero():
		return invalid(ErrBadVersion, "previous", "", "version 1 names a previous version (%s)", prev)
	case v > 1 && prev.IsZero():
		return invalid(ErrBadVersion, "previous", "", "version %d does not name its previous version", v)
	}
	return nil
}

// checkCounts enforces MaxFiles and MaxChunks.
func checkCounts(files, chunks int) error {
	if files > MaxFiles {
		return invalid(ErrTooLarge, "files", "", "%d files; the limit is %d", files, MaxFiles)
	}
	if chunks > MaxChunks {
		return invalid(ErrTooLarge, "chunks", "", "%d chunks; the limit is %d", chunks, MaxChunks)
	}
	return nil
}

// checkFile validates one file's path, mode, size and chunks.
func checkFile(f *File) error {
	if err := ValidatePath(f.Path); err != nil {
		return err
	}
	if f.Mode&^fs.ModePerm != 0 {
		return invalid(ErrBadMode, "mode", f.Path, "%v (%#o) has bits other than the permission bits", f.Mode, uint32(f.Mode))
	}
	var sum int64
	for j, c := range f.Chunks {
		if c.Size == 0 || c.Size > MaxChunkSize {
			return invalid(ErrBadSize, "chunks["+strconv.Itoa(j)+"].size", f.Path,
				"%d bytes; chunks are 1 to %d bytes", c.Size, MaxChunkSize)
		}
		sum += int64(c.Size)
	}
	if f.Size != sum {
		return invalid(ErrBadSize, "size", f.Path, "%d bytes, but its chunks add up to %d", f.Size, sum)
	}
	return nil
}

// checkPathSet refuses duplicate paths and a file that is also the
// directory of another, and warns about paths that would collide on a
// case-insensitive or Unicode-normalizing file system.
func checkPathSet(files []File) ([]string, error) {
	paths := make([]string, len(files))
	for i := range files {
		paths[i] = files[i].Path
	}
	slices.Sort(paths) // usually already sorted: cheap
	for i, p := range paths {
		if i > 0 && paths[i-1] == p {
			return nil, invalid(ErrBadPath, "path", p, "listed twice")
		}
		if j, ok := dirConflict(paths, p); ok {
			return nil, invalid(ErrBadPath, "path", p, "is a file but also the directory of %q", paths[j])
		}
	}
	return foldWarnings(paths), nil
}

// dirConflict finds, in sorted, a path inside directory p.
func dirConflict(sorted []string, p string) (int, bool) {
	dir := p + "/"
	j, _ := slices.BinarySearch(sorted, dir)
	return j, j < len(sorted) && strings.HasPrefix(sorted[j], dir)
}
