package rendezvous

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	msmux "github.com/multiformats/go-multistream"
)

// The states of the link to a backbone peer, as BackbonePeer.State.
const (
	LinkJoining       = "joining"        // no catch-up tried yet
	LinkFederating    = "federating"     // the last catch-up from it succeeded
	LinkUnreachable   = "unreachable"    // it could not be dialled
	LinkNotFederating = "not federating" // it speaks no catch-up protocol: not a backbone member
	LinkRefused       = "refused"        // it broke off or refused the catch-up
)

// BackbonePeer is how a server stands with one backbone peer.
type BackbonePeer struct {
	ID         peer.ID   `json:"id"`
	Configured bool      `json:"configured"` // given to WithBackbone (else a member learned of)
	State      string    `json:"state"`      // one of the Link* constants
	Failures   int       `json:"failures"`   // catch-ups failed in a row
	LastError  string    `json:"last_error,omitempty"`
	Retry      time.Time `json:"retry,omitzero"` // the next attempt, after a failure
	// CaughtUp is when the last catch-up from it succeeded (zero: none
	// yet); live updates arrive in between.
	CaughtUp time.Time `json:"caught_up,omitzero"`
}

// Warning says what is wrong when a configured backbone peer is not
// federating with this server, and is empty otherwise.
func (b BackbonePeer) Warning() string {
	if !b.Configured || b.State == LinkFederating || b.State == LinkJoining {
		return ""
	}
	what := map[string]string{
		LinkUnreachable:   "cannot be reached",
		LinkNotFederating: "does not federate (it speaks no " + string(SyncProtocolID) + "; is it a rendezvous started with --federate or --backbone?)",
		LinkRefused:       "refused to catch this node up",
	}[b.State]
	return fmt.Sprintf("backbone peer %s %s: this node shares no registrations with it; retrying (%d failed, next at %s)",
		b.ID, what, b.Failures, b.Retry.UTC().Format(time.TimeOnly))
}

// linkState classifies a join loop's last error.
func linkState(err error) string {
	switch {
	case err == nil:
		return LinkFederating
	case errors.Is(err, errUnreachable):
		return LinkUnreachable
	case errors.Is(err, msmux.ErrNotSupported[protocol.ID]{}):
		return LinkNotFederating
	default:
		return LinkRefused
	}
}

var errUnreachable = errors.New("connect")

// record notes the outcome of one attempt of id's join loop and logs it: a
// configured peer's failure as a warning the first time, and again when it
// fails otherwise than before, since this node then federates with nobody
// through it.
// Only id's join loop writes its state, so it is logged before Backbone
// shows it.
func (f *federation) record(id peer.ID, l *link, updates int, err error, retry time.Duration) {
	f.mu.Lock()
	was := l.state
	f.mu.Unlock()
	now := BackbonePeer{ID: id, Configured: f.isConfigured(id), State: linkState(err), Failures: was.Failures + 1,
		CaughtUp: was.CaughtUp}
	if err == nil {
		now.Failures, now.CaughtUp = 0, f.s.cfg.clock.Now()
	} else {
		now.LastError = err.Error()
		now.Retry = f.s.cfg.clock.Now().Add(retry)
	}
	defer func() {
		f.mu.Lock()
		l.state = now
		f.mu.Unlock()
	}()
	log := f.s.cfg.log
	switch {
	case err == nil && was.State != LinkFederating && was.State != "" && was.State != LinkJoining:
		log.Warn("rendezvous: backbone peer federates now", "peer", id, "updates", updates)
	case err == nil:
		log.Debug("rendezvous: caught up", "peer", id, "updates", updates)
	case now.Configured && now.State != was.State:
		log.Warn("rendezvous: "+now.Warning(), "err", err)
	default:
		log.Info("rendezvous: catch-up failed", "peer", id, "updates", updates, "retry", retry, "err", err)
	}
}

func (f *federation) isConfigured(id peer.ID) bool {
	_, ok := f.configured[id]
	return ok
}

// Backbone returns how the server stands with each backbone peer it keeps
// in touch with, configured ones first; nil when it does not federate.
func (s *Server) Backbone() []BackbonePeer {
	if s.fed == nil {
		return nil
	}
	f := s.fed
	f.mu.Lock()
	out := make([]BackbonePeer, 0, len(f.links))
	for id, l := range f.links {
		b := l.state
		if b.State == "" {
			b = BackbonePeer{ID: id, Configured: f.isConfigured(id), State: LinkJoining}
		}
		out = append(out, b)
	}
	f.mu.Unlock()
	slices.SortFunc(out, func(a, b BackbonePeer) int {
		if a.Configured != b.Configured {
			if a.Configured {
				return -1
			}
			return 1
		}
		return strings.Compare(string(a.ID), string(b.ID))
	})
	return out
}
