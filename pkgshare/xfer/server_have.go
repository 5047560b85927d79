package xfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer/pb"
)

// subscription is one HAVE stream waiting for its version's set to grow.
type subscription struct {
	wake chan struct{}
}

// serveHave answers GetHave, then, when subscribed, streams the chunks
// gained until the set is full, the client leaves or the server closes.
func (s *Server) serveHave(ctx context.Context, c *wire, q *pb.GetHave) error {
	id, err := versionID(q.VersionId)
	var have *Bitfield
	if err == nil {
		have, err = s.store.Have(ctx, id)
	}
	resp := &pb.HaveResponse{Status: statusOf(err), Message: publicMessage(err)}
	if err == nil {
		resp.Count, resp.Bitfield = uint32(have.Len()), have.Bytes()
	}
	if serr := c.send(resp); serr != nil {
		return serr
	}
	if err != nil || !q.Subscribe || have.Full() {
		return nil // answered
	}
	return s.subscribe(ctx, c, id, have)
}

func (s *Server) subscribe(ctx context.Context, c *wire, id manifest.VersionID, have *Bitfield) error {
	sub := &subscription{wake: make(chan struct{}, 1)}
	s.addSub(id, sub)
	defer s.removeSub(id, sub)
	// Chunks gained between the answer and addSub had nobody to notify:
	// look once more now.
	sub.wake <- struct{}{}

	// The client sends nothing more: a read returning means it left (or
	// broke the protocol); either way the subscription ends.
	gone := make(chan struct{})
	var left error // why the client left: nil when it closed its side
	go func() {
		defer close(gone)
		if _, err := c.br.ReadByte(); err == nil {
			left = fmt.Errorf("%w: data after a HAVE subscription", ErrProtocol)
		} else if !errors.Is(err, io.EOF) {
			left = err
		}
	}()
	defer func() {
		_ = c.s.CloseRead()
		<-gone
	}()

	beat := time.NewTicker(min(c.dog.d/3, heartbeatMax))
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-gone:
			return left
		case <-beat.C:
			if err := c.send(&pb.HaveUpdate{}); err != nil {
				return err
			}
		case <-sub.wake:
			cur, err := s.sendGains(ctx, c, id, have)
			if err != nil || cur.Full() {
				return err
			}
			have = cur
		}
	}
}

// sendGains sends the chunks in the store's current set that are not in
// have, in batches of at most maxUpdateBatch, and returns the current set.
func (s *Server) sendGains(ctx context.Context, c *wire, id manifest.VersionID, have *Bitfield) (*Bitfield, error) {
	cur, err := s.store.Have(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("have-set of %s: %w", id, err)
	}
	if cur.Len() != have.Len() {
		return nil, fmt.Errorf("have-set of %s changed length %d -> %d", id, have.Len(), cur.Len())
	}
	var added []uint32
	for i := range cur.Len() {
		if cur.Has(i) && !have.Has(i) {
			added = append(added, uint32(i))
		}
	}
	for len(added) > 0 {
		n := min(len(added), maxUpdateBatch)
		last := n == len(added)
		if err := c.write(&pb.HaveUpdate{Added: added[:n], Complete: last && cur.Full()}); err != nil {
			return nil, err
		}
		added = added[n:]
	}
	return cur, c.flush()
}

func (s *Server) addSub(id manifest.VersionID, sub *subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.subs[id]
	if m == nil {
		m = make(map[*subscription]struct{})
		s.subs[id] = m
	}
	m[sub] = struct{}{}
}

func (s *Server) removeSub(id manifest.VersionID, sub *subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.subs[id], sub)
	if len(s.subs[id]) == 0 {
		delete(s.subs, id)
	}
}
