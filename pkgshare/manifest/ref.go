package manifest

import (
	"strconv"
	"strings"
)

// Ref names a package and optionally one of its versions, as a user types it:
// "<pkg-id>" for the newest version (Version 0), "<pkg-id>@<N>" for version N.
type Ref struct {
	ID      PackageID
	Version uint64 // 0 = newest
}

// ParseRef parses "<pkg-id>" or "<pkg-id>@<N>" where N is a decimal version
// number from 1 to MaxVersion without sign or leading zeros.
func ParseRef(s string) (Ref, error) {
	idPart, verPart, hasVer := strings.Cut(s, "@")
	id, err := ParsePackageID(idPart)
	if err != nil {
		return Ref{}, err
	}
	if !hasVer {
		return Ref{ID: id}, nil
	}
	v, err := strconv.ParseUint(verPart, 10, 64)
	if err != nil || v == 0 || v > MaxVersion || verPart[0] == '0' {
		return Ref{}, invalid(ErrBadVersion, "version", "", "%q: want a version number from 1 to %d after '@'",
			clip(s), uint64(MaxVersion))
	}
	return Ref{ID: id, Version: v}, nil
}

// String prints "<pkg-id>" or "<pkg-id>@<N>".
func (r Ref) String() string {
	if r.Version == 0 {
		return r.ID.String()
	}
	return r.ID.String() + "@" + strconv.FormatUint(r.Version, 10)
}

// MarshalText implements encoding.TextMarshaler (JSON uses it).
func (r Ref) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Ref) UnmarshalText(b []byte) error { return parseInto(r, string(b), ParseRef) }
