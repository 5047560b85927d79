package fetch

import (
	"errors"
	"fmt"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// Resume names a fetch that stopped before completion: fetching Ref into
// Target again moves only what is missing.
type Resume struct {
	Ref    manifest.Ref `json:"ref"`
	Target string       `json:"target"`
}

// ResumableError is a fetch that ran out of sources (xfer.ErrStalled or
// xfer.ErrNoProviders) with its partial state kept in the target.
type ResumableError struct {
	Resume Resume
	Err    error
}

func (e *ResumableError) Error() string {
	return fmt.Sprintf("%v; the fetch is resumable: what it has stays in %s", e.Err, e.Resume.Target)
}

func (e *ResumableError) Unwrap() error { return e.Err }

// resumable wraps err in a *ResumableError when the fetch of s into
// target stopped for want of sources.
func resumable(err error, s *manifest.Sealed, target string) error {
	if !errors.Is(err, xfer.ErrStalled) && !errors.Is(err, xfer.ErrNoProviders) {
		return err
	}
	return &ResumableError{Resume: Resume{Ref: manifest.Ref{ID: s.PackageID, Version: s.Version}, Target: target}, Err: err}
}
