package control

import (
	"net/http"

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
// stops serving what was forgotten (node.Node.Prune).
func (s *Server) prune(w http.ResponseWriter, r *http.Request) {
	var req PruneRequest
	if err := decode(w, r, &req); err != nil {
		answer(w, nil, err)
		return
	}
	var id manifest.PackageID
	if req.Package != nil {
		id = *req.Package
	}
	res, err := s.node.Prune(r.Context(), id, req.Keep, req.DryRun)
	answer(w, res, err)
}
