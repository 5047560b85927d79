package fetch

import (
	"context"
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// A version ID names no package, and providers register under their
// package: a fetch by version ID first learns the package and version
// number, from the library when it knows the version (a fetch resumed,
// say), else from the first of the explicit peers and the peers the node
// knows (Env.Known) that serves the version. From then on it is a fetch of
// ID@N whose manifest must hash to the version ID. A fetch given the
// package as well (a ticket's) starts there.

// NoVersionError reports that nobody asked knew a version ID.
type NoVersionError struct {
	ID    manifest.VersionID
	Tried int
	Last  error
}

func (e *NoVersionError) Error() string {
	msg := fmt.Sprintf("none of the %d peers asked serves version %s", e.Tried, e.ID)
	if e.Tried == 0 {
		msg = "no peer to ask for version " + e.ID.String()
	}
	if e.Last != nil {
		msg += fmt.Sprintf(" (last: %v)", e.Last)
	}
	return msg + "; a version ID names no package to look up providers by: add --peer, or fetch <pkg-id>@N"
}

func (e *NoVersionError) Unwrap() error { return e.Last }

// pinVersion returns the package and version number that opts.VersionID
// names.
func pinVersion(ctx context.Context, n Env, opts Options) (manifest.Ref, error) {
	v, err := n.Library.VersionByID(ctx, opts.VersionID)
	var nf *library.NotFoundError
	switch {
	case err == nil:
		return manifest.Ref{ID: v.Sealed.PackageID, Version: v.Sealed.Version}, nil
	case !errors.As(err, &nf):
		return manifest.Ref{}, err
	}
	ask := append([]peer.AddrInfo(nil), opts.Peers...)
	if n.Known != nil {
		ask = append(ask, n.Known()...)
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout(opts))
	defer cancel()
	answers := make(chan manifestAnswer, len(ask))
	asked := map[peer.ID]bool{n.Host.ID(): true}
	for _, ai := range ask {
		if asked[ai.ID] {
			continue
		}
		asked[ai.ID] = true
		go askManifest(ctx, n, ai, opts, answers)
	}
	e := &NoVersionError{ID: opts.VersionID, Tried: len(asked) - 1}
	for range e.Tried {
		select {
		case a := <-answers:
			if a.err == nil {
				return manifest.Ref{ID: a.s.PackageID, Version: a.s.Version}, nil
			}
			e.Last = a.err
		case <-ctx.Done():
			return manifest.Ref{}, e
		}
	}
	return manifest.Ref{}, e
}

// libraryVersion is the version opts names in lib.
func libraryVersion(ctx context.Context, lib *library.Library, opts Options) (*library.Version, error) {
	if opts.VersionID.IsZero() {
		return lib.Version(ctx, opts.Ref)
	}
	return lib.VersionByID(ctx, opts.VersionID)
}
