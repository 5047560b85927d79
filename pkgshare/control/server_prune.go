package control

import (
	"context"
	"fmt"
	"net/http"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// PruneRequest asks the daemon to prune fetched versions
// (library.Library.Prune).
type PruneRequest struct {
	Package *manifest.PackageID `json:"package,omitempty"` // nil: every package with a fetched version
	Keep    int                 `json:"keep"`
	DryRun  bool                `json:"dry_run,omitempty"`
}

// prune forgets old fetched versions and deletes their files; the daemon
// stops serving what was forgotten.
func (s *Server) prune(w http.ResponseWriter, r *http.Request) {
	var req PruneRequest
	if err := decode(w, r, &req); err != nil {
		answer(w, nil, err)
		return
	}
	if err := s.markFetched(r.Context()); err != nil {
		answer(w, nil, err)
		return
	}
	var id manifest.PackageID
	if req.Package != nil {
		id = *req.Package
	}
	res, err := s.node.Library.Prune(r.Context(), id, req.Keep, req.DryRun)
	if err == nil {
		for _, p := range res.Packages {
			for _, v := range p.Forgotten {
				s.node.Seeder.Forget(v.ID)
			}
		}
	}
	answer(w, res, err)
}

// markFetched has the library tell fetched versions recorded before it
// kept the difference (library.Library.MarkFetched).
func (s *Server) markFetched(ctx context.Context) error {
	self, err := peer.IDFromPrivateKey(s.key)
	if err != nil {
		return fmt.Errorf("prune: node ID: %w", err)
	}
	_, err = s.node.Library.MarkFetched(ctx, self)
	return err
}
