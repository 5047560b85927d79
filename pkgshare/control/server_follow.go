package control

import (
	"net/http"
	"path/filepath"

	"github.com/p2psb/p2psb/pkgshare/follow"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// follower is the node's follower service, or an error when it runs none.
func (s *Server) follower() (*follow.Service, error) {
	if f := s.node.Follow(); f != nil {
		return f, nil
	}
	return nil, &Error{Msg: "this daemon does not follow packages", BadInput: true}
}

// addFollow follows a package; the daemon checks it at once and fetches in
// the background.
func (s *Server) addFollow(w http.ResponseWriter, r *http.Request) {
	var req follow.Config
	if err := decode(w, r, &req); err != nil {
		answer(w, nil, err)
		return
	}
	svc, err := s.follower()
	if err != nil {
		answer(w, nil, err)
		return
	}
	if req.Package.IsZero() {
		answer(w, nil, &Error{Msg: "follow: no package named", BadInput: true})
		return
	}
	if (req.Target != "" && !filepath.IsAbs(req.Target)) || (req.Target == "" && !filepath.IsAbs(req.Dir)) {
		answer(w, nil, &Error{Msg: "follow: the target and working directory must be absolute", BadInput: true})
		return
	}
	f, err := svc.Add(r.Context(), req)
	answer(w, f, err)
}

// follows lists the follows with their state.
func (s *Server) follows(w http.ResponseWriter, r *http.Request) {
	svc, err := s.follower()
	if err != nil {
		answer(w, nil, err)
		return
	}
	fs, err := svc.List(r.Context())
	answer(w, fs, err)
}

// removeFollow stops following a package; its files stay.
func (s *Server) removeFollow(w http.ResponseWriter, r *http.Request) {
	id, err := manifest.ParsePackageID(r.PathValue("id"))
	if err != nil {
		answer(w, nil, &Error{Msg: err.Error(), BadInput: true})
		return
	}
	svc, err := s.follower()
	if err != nil {
		answer(w, nil, err)
		return
	}
	f, err := svc.Remove(r.Context(), id)
	answer(w, f, err)
}
