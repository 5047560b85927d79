package control

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/p2psb/p2psb/pkgshare/node"
)

// LookupTimeout bounds a request that asks the network (locate, a peer's
// packages, the rendezvous list), within the daemon's request timeout.
const LookupTimeout = requestTimeout - 5*time.Second

func (s *Server) locate(w http.ResponseWriter, r *http.Request) {
	id, err := ResolvePeer(s.node.Peers, r.PathValue("id"))
	if err != nil {
		answer(w, nil, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), LookupTimeout)
	defer cancel()
	loc, err := s.node.Locate(ctx, id)
	answer(w, loc, err)
}

func (s *Server) peerPackages(w http.ResponseWriter, r *http.Request) {
	who := r.PathValue("who")
	id, err := ResolvePeer(s.node.Peers, who)
	if err != nil {
		answer(w, nil, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), LookupTimeout)
	defer cancel()
	l, err := s.node.Browse(ctx, id)
	if err != nil {
		answer(w, nil, fmt.Errorf("packages of %s: %w", who, err))
		return
	}
	answer(w, NewPeerCatalog(l), nil)
}

func (s *Server) rendezvousNodes(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), LookupTimeout)
	defer cancel()
	out, err := s.node.ListRendezvous(ctx)
	answer(w, out, err)
}

// Locate asks the daemon where the node who (a node ID or a buddy's
// alias) is now.
func (c *Client) Locate(ctx context.Context, who string) (*node.Location, error) {
	var loc node.Location
	return &loc, c.call(ctx, http.MethodGet, "/v1/locate/"+pathArg(who), nil, &loc)
}

// PeerPackages asks the daemon what the peer who (a node ID or a buddy's
// alias) shares.
func (c *Client) PeerPackages(ctx context.Context, who string) (*PeerCatalog, error) {
	var pc PeerCatalog
	return &pc, c.call(ctx, http.MethodGet, "/v1/peers/"+pathArg(who)+"/packages", nil, &pc)
}

// RendezvousNodes asks the daemon for the rendezvous nodes its configured
// ones know.
func (c *Client) RendezvousNodes(ctx context.Context) ([]node.RendezvousNode, error) {
	var out []node.RendezvousNode
	return out, c.call(ctx, http.MethodGet, "/v1/rendezvous", nil, &out)
}
