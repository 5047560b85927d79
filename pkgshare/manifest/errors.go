package manifest

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every refusal of this package is an *InvalidError whose
// Err is one of these, so callers can test the kind with errors.Is.
var (
	// ErrBadSignature: the envelope signature does not verify, or the
	// envelope was signed by another key than the manifest's publisher.
	ErrBadSignature = errors.New("bad signature")
	// ErrBadKey: the publisher key is missing, of an unsupported type, or
	// does not match the private key given to Seal.
	ErrBadKey = errors.New("bad publisher key")
	// ErrIDMismatch: a manifest belongs to another package (or version)
	// than the one expected.
	ErrIDMismatch = errors.New("ID mismatch")
	// ErrBadID: a printed ID, hash or reference does not parse.
	ErrBadID = errors.New("bad ID")
	// ErrBadPath: a file path breaks a path rule (see ValidatePath).
	ErrBadPath = errors.New("bad path")
	// ErrBadName: a package name breaks a name rule (see ValidateName).
	ErrBadName = errors.New("bad name")
	// ErrBadSize: a file size is not the sum of its chunks, or a chunk
	// size is out of range.
	ErrBadSize = errors.New("bad size")
	// ErrBadMode: a file mode has bits other than the permission bits.
	ErrBadMode = errors.New("bad mode")
	// ErrBadTime: the creation time is missing or out of range.
	ErrBadTime = errors.New("bad time")
	// ErrTooLarge: a limit (MaxManifestSize, MaxFiles, MaxChunks...) is
	// exceeded.
	ErrTooLarge = errors.New("too large")
	// ErrMalformed: the bytes are not a well-formed, canonically encoded
	// p2psb manifest envelope.
	ErrMalformed = errors.New("malformed manifest")
	// ErrBadVersion: the version number is 0 or too large, or the previous
	// version ID does not fit the version number.
	ErrBadVersion = errors.New("bad version")
	// ErrRollback: a version is not newer than the one already known.
	ErrRollback = errors.New("version rollback")
	// ErrFork: two different manifests claim the same place in a package's
	// history (same version number, or a successor naming another
	// predecessor).
	ErrFork = errors.New("version fork")
)

// InvalidError describes input this package refuses: which field, which file
// path (if any), why, and the sentinel kind.
type InvalidError struct {
	Field  string // e.g. "path", "name", "version", "files[3].chunks[0].size"
	Path   string // the file path concerned, if any
	Reason string // human-readable explanation
	Err    error  // one of the Err* sentinels
}

// Error formats as `field "path": reason`, leaving out what is empty.
func (e *InvalidError) Error() string {
	var b strings.Builder
	b.WriteString(e.Field)
	if e.Path != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%q", e.Path)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Reason != "" {
		b.WriteString(e.Reason)
	} else if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel kind.
func (e *InvalidError) Unwrap() error { return e.Err }

// InvalidInput marks the error as the caller's bad input (the CLI exits 2).
func (e *InvalidError) InvalidInput() bool { return true }

// invalid builds an *InvalidError with a formatted reason.
func invalid(kind error, field, path, format string, args ...any) *InvalidError {
	return &InvalidError{Field: field, Path: path, Reason: fmt.Sprintf(format, args...), Err: kind}
}
