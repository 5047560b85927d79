package control

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// defaultNameTimeout bounds the search for a package's name.
const defaultNameTimeout = time.Minute

// packageName finds the name of package id, which a fetch without -o uses
// as its directory in the client's working directory: from the library
// when it holds the package, else from the first provider (explicit, then
// from the rendezvous) that sends a manifest of it. A package's name is
// part of its ID, so any version tells it.
//
// pkgshare.FetchOptions has no base directory for its default target, so
// the daemon resolves it here; this asks one provider more than needed.
func (s *Server) packageName(ctx context.Context, id manifest.PackageID, explicit []peer.AddrInfo, timeout time.Duration) (string, error) {
	if p, err := s.node.Library.Package(ctx, id); err == nil {
		return p.Name, nil
	}
	if timeout <= 0 {
		timeout = defaultNameTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for ctx.Err() == nil {
		provs := append([]peer.AddrInfo(nil), explicit...)
		if s.node.Discovery != nil {
			found, err := s.node.Discovery.Discover(ctx, pkgshare.PackageNamespace(id), 0)
			if err != nil {
				last = err
			}
			for _, f := range found {
				provs = append(provs, f.AddrInfo)
			}
		}
		for _, ai := range provs {
			name, err := s.askName(ctx, ai, id)
			if err == nil {
				return name, nil
			}
			last = err
		}
		if s.node.Discovery == nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return "", err
	}
	return "", &pkgshare.NoProviderError{Ref: manifest.Ref{ID: id}, Last: last}
}

func (s *Server) askName(ctx context.Context, ai peer.AddrInfo, id manifest.PackageID) (string, error) {
	if ai.ID == s.node.Host.ID() {
		return "", fmt.Errorf("%s is this node", ai.ID)
	}
	if err := s.node.Host.Connect(ctx, ai); err != nil {
		return "", err
	}
	m, err := s.node.Fetcher.Manifest(ctx, ai.ID, manifest.Ref{ID: id})
	if err != nil {
		return "", err
	}
	return m.Name, nil
}
