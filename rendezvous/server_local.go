package rendezvous

import (
	"context"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// RegisterLocal stores a signed peer record under each of namespaces with
// the given TTL, as if its peer had sent one REGISTER per namespace, without
// a network round trip. The record is verified; limits apply as for REGISTER.
// A server uses it for its own registration; tools use it to bulk-load.
func (s *Server) RegisterLocal(ctx context.Context, envelope []byte, namespaces []string, ttl time.Duration) error {
	if ttl < s.cfg.minTTL || ttl > s.cfg.maxTTL {
		return fmt.Errorf("register locally: %w: %v", ErrInvalidTTL, ttl)
	}
	rec, err := s.verifier.verify(envelope)
	if err != nil {
		return fmt.Errorf("register locally: %w", err)
	}
	expires := s.cfg.clock.Now().Add(ttl)
	ops := make([]*writeOp, len(namespaces))
	for i, ns := range namespaces {
		if err := checkNamespace(ns, false); err != nil {
			return fmt.Errorf("register locally: %w", err)
		}
		ops[i] = &writeOp{kind: opRegister, ns: ns, rec: rec, expires: expires}
	}
	results, err := s.w.submitAll(ctx, ops)
	if err != nil {
		return fmt.Errorf("register locally: %w", err)
	}
	for i, res := range results {
		if res.err != nil {
			return fmt.Errorf("register locally in %q: %w", ops[i].ns, res.err)
		}
	}
	return nil
}

// selfRegisterLoop registers the server under RendezvousNamespace with its
// current addresses, and again at half the TTL.
func (s *Server) selfRegisterLoop() {
	ttl := min(DefaultTTL, s.cfg.maxTTL)
	t := s.cfg.clock.Ticker(ttl / 2)
	defer t.Stop()
	for {
		if err := s.registerSelf(ttl); err != nil {
			s.cfg.log.Info("rendezvous: self registration failed", "err", err)
		}
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Server) registerSelf(ttl time.Duration) error {
	key := s.h.Peerstore().PrivKey(s.h.ID())
	if key == nil {
		return fmt.Errorf("no private key for %s", s.h.ID())
	}
	env, err := SignRecord(key, peer.AddrInfo{ID: s.h.ID(), Addrs: s.h.Addrs()}, 0, s.cfg.maxAddrs)
	if err != nil {
		return err
	}
	return s.RegisterLocal(s.ctx, env, []string{RendezvousNamespace}, ttl)
}
