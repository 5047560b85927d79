package manifest

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/libp2p/go-libp2p/core/crypto"
)

// Printed forms of the IDs: a kind prefix, then the 32 bytes in lowercase
// RFC 4648 base32 without padding (52 characters). Parsing also accepts upper
// case but nothing else: every ID has exactly one printed form.
const (
	PackageIDPrefix = "pkg_"
	VersionIDPrefix = "ver_"
)

// packageIDTag is the domain tag hashed in front of a package ID's inputs, so
// the hash can mean nothing else.
const packageIDTag = "p2psb-package-id/1"

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// encodedIDLen is the length of a printed 32-byte value without its prefix.
var encodedIDLen = idEncoding.EncodedLen(32)

// PackageID names a package: the SHA-256 of a domain tag, the publisher's
// marshalled public key and the package name (each length-prefixed). It is the
// same for every version, and anyone can recompute it from a manifest.
type PackageID [32]byte

// NewPackageID derives the ID of the package pub publishes under name.
func NewPackageID(pub crypto.PubKey, name string) (PackageID, error) {
	if pub == nil {
		return PackageID{}, invalid(ErrBadKey, "publisher", "", "missing public key")
	}
	if err := ValidateName(name); err != nil {
		return PackageID{}, err
	}
	raw, err := crypto.MarshalPublicKey(pub)
	if err != nil {
		return PackageID{}, invalid(ErrBadKey, "publisher", "", "cannot marshal public key: %v", err)
	}
	return packageIDOf(raw, name), nil
}

// packageIDOf hashes the tag, the marshalled key and the name.
func packageIDOf(pubRaw []byte, name string) PackageID {
	h := sha256.New()
	h.Write([]byte(packageIDTag))
	var n [binary.MaxVarintLen64]byte
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(pubRaw)))])
	h.Write(pubRaw)
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(name)))])
	h.Write([]byte(name))
	var id PackageID
	h.Sum(id[:0])
	return id
}

// ParsePackageID parses the printed form ("pkg_" + 52 base32 characters).
func ParsePackageID(s string) (PackageID, error) {
	b, err := parseID(s, PackageIDPrefix, "package ID")
	return PackageID(b), err
}

func (id PackageID) String() string { return PackageIDPrefix + idEncoding.EncodeToString(id[:]) }

// IsZero reports whether id is the zero value (no package).
func (id PackageID) IsZero() bool { return id == PackageID{} }

// MarshalText implements encoding.TextMarshaler (JSON uses it).
func (id PackageID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *PackageID) UnmarshalText(b []byte) error { return parseInto(id, string(b), ParsePackageID) }

// VersionID names one version of a package: the SHA-256 of its sealed
// envelope bytes (Sealed.Raw).
type VersionID [32]byte

// ParseVersionID parses the printed form ("ver_" + 52 base32 characters).
func ParseVersionID(s string) (VersionID, error) {
	b, err := parseID(s, VersionIDPrefix, "version ID")
	return VersionID(b), err
}

func (id VersionID) String() string { return VersionIDPrefix + idEncoding.EncodeToString(id[:]) }

// IsZero reports whether id is the zero value (no version).
func (id VersionID) IsZero() bool { return id == VersionID{} }

// MarshalText implements encoding.TextMarshaler (JSON uses it).
func (id VersionID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *VersionID) UnmarshalText(b []byte) error { return parseInto(id, string(b), ParseVersionID) }

// parseID decodes prefix + base32, refusing any string that is not the
// canonical form of its bytes (apart from letter case).
func parseID(s, prefix, what string) ([32]byte, error) {
	var out [32]byte
	if len(s) != len(prefix)+encodedIDLen || !strings.EqualFold(s[:len(prefix)], prefix) {
		return out, invalid(ErrBadID, what, "", "%q: want %q followed by %d base32 characters",
			clip(s), prefix, encodedIDLen)
	}
	body := strings.ToLower(s[len(prefix):])
	n, err := idEncoding.Decode(out[:], []byte(body))
	if err != nil || n != len(out) || idEncoding.EncodeToString(out[:]) != body {
		return [32]byte{}, invalid(ErrBadID, what, "", "%q: not canonical base32", clip(s))
	}
	return out, nil
}

// ChunkHash is the hash of a chunk's raw bytes under its manifest's
// HashAlgo, printed in lowercase hex.
type ChunkHash [32]byte

// ParseChunkHash parses 64 hexadecimal digits.
func ParseChunkHash(s string) (ChunkHash, error) {
	var h ChunkHash
	if len(s) != 2*len(h) {
		return h, invalid(ErrBadID, "chunk hash", "", "%q: want 64 hex digits", clip(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return ChunkHash{}, invalid(ErrBadID, "chunk hash", "", "%q: %v", clip(s), err)
	}
	return h, nil
}

func (h ChunkHash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is the zero value.
func (h ChunkHash) IsZero() bool { return h == ChunkHash{} }

// MarshalText implements encoding.TextMarshaler (JSON uses it).
func (h ChunkHash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *ChunkHash) UnmarshalText(b []byte) error { return parseInto(h, string(b), ParseChunkHash) }

// parseInto parses s into *dst, leaving *dst alone on error.
func parseInto[T any](dst *T, s string, parse func(string) (T, error)) error {
	v, err := parse(s)
	if err != nil {
		return err
	}
	*dst = v
	return nil
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return fmt.Sprintf("%s...(%d bytes)", s[:max], len(s))
}
