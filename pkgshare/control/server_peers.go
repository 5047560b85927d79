package control

import (
	"bytes"
	"net/http"
	"time"

	libp2ppeerstore "github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/multiformats/go-multiaddr"

	"github.com/p2psb/p2psb/pkgshare/buddy"
)

func (s *Server) status(w http.ResponseWriter, _ *http.Request) {
	st := Status{Status: s.node.Status(), Buddies: []buddy.State{}}
	if s.node.Buddies != nil {
		st.Buddies = s.node.Buddies.States()
	}
	reply(w, http.StatusOK, st)
}

func (s *Server) buddies(w http.ResponseWriter, _ *http.Request) {
	bs, err := s.node.Peers.Buddies()
	out := make([]Buddy, len(bs))
	for i, b := range bs {
		out[i] = toBuddy(b)
	}
	answer(w, out, err)
}

// addBuddy adds to the daemon's own peerstore, which caches the buddy set,
// and has the keeper protect and dial the buddy at once.
func (s *Server) addBuddy(w http.ResponseWriter, r *http.Request) {
	var req BuddyRequest
	if err := decode(w, r, &req); err != nil {
		answer(w, nil, err)
		return
	}
	addrs := make([]multiaddr.Multiaddr, 0, len(req.Addrs))
	for _, a := range req.Addrs {
		m, err := multiaddr.NewMultiaddr(a)
		if err != nil {
			answer(w, nil, &Error{Msg: "buddy address " + a + ": " + err.Error(), BadInput: true})
			return
		}
		addrs = append(addrs, m)
	}
	b, err := s.node.Peers.AddBuddy(req.ID, req.Alias)
	if err != nil {
		answer(w, nil, err)
		return
	}
	s.node.Peers.AddAddrs(req.ID, addrs, libp2ppeerstore.AddressTTL)
	s.buddiesChanged()
	answer(w, toBuddy(b), nil)
}

func (s *Server) removeBuddy(w http.ResponseWriter, r *http.Request) {
	b, err := s.node.Peers.RemoveBuddy(r.PathValue("who"))
	if err != nil {
		answer(w, nil, err)
		return
	}
	s.buddiesChanged()
	answer(w, toBuddy(b), nil)
}

// buddiesChanged tells the keeper, or protects the new list itself when the
// node keeps no buddies connected.
func (s *Server) buddiesChanged() {
	if s.node.Buddies != nil {
		s.node.Buddies.Refresh()
		return
	}
	if err := s.node.Peers.ProtectBuddies(s.node.Host.ConnManager()); err != nil {
		s.log.Info("protect buddies", "err", err)
	}
}

// exportPeers answers the peerstore's export document, written whole
// before the answer starts so an error still gets its status.
func (s *Server) exportPeers(w http.ResponseWriter, _ *http.Request) {
	var buf bytes.Buffer
	if err := s.node.Peers.Export(&buf); err != nil {
		answer(w, nil, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = buf.WriteTo(w)
}

// importPeers merges an export document into the daemon's peerstore,
// which reads at most MaxImport bytes; buddies it adds are kept connected.
func (s *Server) importPeers(w http.ResponseWriter, r *http.Request) {
	st, err := s.node.Peers.Import(http.MaxBytesReader(w, r.Body, MaxImport))
	if err == nil && st.Buddies > 0 {
		s.buddiesChanged()
	}
	answer(w, st, err)
}

func (s *Server) peers(w http.ResponseWriter, _ *http.Request) {
	entries, err := s.node.Peers.List()
	scored := ScorePeers(s.node.Peers, entries, time.Now())
	out := make([]Peer, len(scored))
	for i, sp := range scored {
		out[i] = toPeer(sp.PeerEntry)
		out[i].Score = sp.Score
	}
	answer(w, out, err)
}
