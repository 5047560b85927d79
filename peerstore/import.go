package peerstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	ic "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	pstore "github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/core/record"
	ma "github.com/multiformats/go-multiaddr"
)

// Bounds on an import document.
const (
	maxImportBytes   = 64 << 20
	maxProtocolBytes = 1024
)

// ImportStats counts what Import read.
type ImportStats struct {
	Peers   int
	Buddies int
}

// importPeer is a checked peer of an import document.
type importPeer struct {
	id       peer.ID
	lastSeen time.Time
	addrs    []ExpiringAddr
	pub      ic.PubKey
	protos   []protocol.ID
	rec      *record.Envelope
	retained []WorkingAddr
}

// Import reads an export document (see Export) and merges it into the
// store: addresses keep their expiry (expired ones are skipped), a signed
// record replaces an older one, buddies are added. Every record is checked
// first; if any is bad Import returns an error wrapping ErrBadImport that
// names it, and writes nothing. Import flushes before it returns.
func (s *Store) Import(r io.Reader) (ImportStats, error) {
	doc, err := decodeDoc(r)
	if err != nil {
		return ImportStats{}, err
	}
	peers := make([]importPeer, 0, len(doc.Peers))
	seen := make(map[peer.ID]bool, len(doc.Peers))
	for i, ep := range doc.Peers {
		ip, err := s.checkPeer(ep)
		if err == nil && seen[ip.id] {
			err = errors.New("listed twice")
		}
		if err != nil {
			return ImportStats{}, fmt.Errorf("%w: peers[%d] (%q): %v", ErrBadImport, i, ep.ID, err)
		}
		seen[ip.id] = true
		peers = append(peers, ip)
	}
	buddies, err := checkBuddies(doc.Buddies)
	if err != nil {
		return ImportStats{}, err
	}
	if err := s.putBuddies(buddies); err != nil {
		return ImportStats{}, fmt.Errorf("import buddies: %w", err)
	}
	for _, ip := range peers {
		s.importPeer(ip)
	}
	if err := s.Flush(); err != nil {
		return ImportStats{}, fmt.Errorf("import: %w", err)
	}
	return ImportStats{Peers: len(peers), Buddies: len(buddies)}, nil
}

func decodeDoc(r io.Reader) (*exportDoc, error) {
	dec := json.NewDecoder(io.LimitReader(r, maxImportBytes+1))
	dec.DisallowUnknownFields()
	var doc exportDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: not an export document: %v", ErrBadImport, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the document", ErrBadImport)
	}
	if doc.Format != ExportFormat || doc.Version != ExportVersion {
		return nil, fmt.Errorf("%w: format %q version %d, want %q version %d",
			ErrBadImport, doc.Format, doc.Version, ExportFormat, ExportVersion)
	}
	return &doc, nil
}

// checkPeer parses and verifies one peer of an import document.
func (s *Store) checkPeer(ep exportPeer) (importPeer, error) {
	var ip importPeer
	id, err := peer.Decode(ep.ID)
	if err != nil {
		return ip, fmt.Errorf("id: %v", err)
	}
	ip.id = id
	if ep.LastSeen != nil {
		ip.lastSeen = *ep.LastSeen
	}
	for _, a := range ep.Addrs {
		addr, err := parseOwnAddr(id, a.Addr)
		if err != nil {
			return ip, err
		}
		ea := ExpiringAddr{Addr: addr}
		if a.Expires != nil {
			ea.Expires = *a.Expires
		}
		ip.addrs = append(ip.addrs, ea)
	}
	for _, w := range ep.Retained {
		addr, err := parseOwnAddr(id, w.Addr)
		if err != nil {
			return ip, err
		}
		ip.retained = append(ip.retained, WorkingAddr{Addr: addr, WorkedAt: w.WorkedAt})
	}
	if ip.pub, err = checkPubKey(id, ep.PublicKey); err != nil {
		return ip, err
	}
	if ip.rec, err = checkRecord(id, ep.Record); err != nil {
		return ip, err
	}
	ip.protos, err = s.checkProtocols(ep.Protocols)
	return ip, err
}

func parseOwnAddr(id peer.ID, s string) (ma.Multiaddr, error) {
	a, err := ma.NewMultiaddr(s)
	if err != nil {
		return nil, fmt.Errorf("address %q: %v", s, err)
	}
	if a = ownAddr(id, a); a == nil || len(a.Bytes()) == 0 {
		return nil, fmt.Errorf("address %q: names another peer or nothing", s)
	}
	return a, nil
}

func checkPubKey(id peer.ID, raw []byte) (ic.PubKey, error) {
	if raw == nil {
		return nil, nil
	}
	k, err := ic.UnmarshalPublicKey(raw)
	if err != nil {
		return nil, fmt.Errorf("public key: %v", err)
	}
	if !id.MatchesPublicKey(k) {
		return nil, errors.New("public key does not match the ID")
	}
	return k, nil
}

func checkRecord(id peer.ID, raw []byte) (*record.Envelope, error) {
	if raw == nil {
		return nil, nil
	}
	env, _, err := record.ConsumeEnvelope(raw, peer.PeerRecordEnvelopeDomain)
	if err != nil {
		return nil, fmt.Errorf("signed record: %v", err)
	}
	rec, err := peerRecord(env)
	if err != nil {
		return nil, fmt.Errorf("signed record: %v", err)
	}
	if rec.PeerID != id || !id.MatchesPublicKey(env.PublicKey) {
		return nil, errors.New("signed record is not signed by this peer")
	}
	return env, nil
}

func (s *Store) checkProtocols(in []string) ([]protocol.ID, error) {
	if len(in) > s.opts.MaxProtocols {
		return nil, fmt.Errorf("%d protocols, at most %d", len(in), s.opts.MaxProtocols)
	}
	out := make([]protocol.ID, 0, len(in))
	for _, p := range in {
		if p == "" || len(p) > maxProtocolBytes {
			return nil, fmt.Errorf("protocol %q: empty or longer than %d bytes", p, maxProtocolBytes)
		}
		out = append(out, protocol.ID(p))
	}
	return out, nil
}

// checkBuddies parses the buddies of an import document.
func checkBuddies(in []exportBuddy) ([]Buddy, error) {
	out := make([]Buddy, 0, len(in))
	aliases := make(map[string]bool)
	for i, eb := range in {
		id, err := peer.Decode(eb.ID)
		if err != nil {
			return nil, fmt.Errorf("%w: buddies[%d] (%q): id: %v", ErrBadImport, i, eb.ID, err)
		}
		if eb.Alias != "" {
			if err := ValidateAlias(eb.Alias); err != nil || aliases[eb.Alias] {
				return nil, fmt.Errorf("%w: buddies[%d] (%q): alias %q invalid or listed twice", ErrBadImport, i, eb.ID, eb.Alias)
			}
			aliases[eb.Alias] = true
		}
		out = append(out, Buddy{ID: id, Alias: eb.Alias, AddedAt: eb.AddedAt})
	}
	return out, nil
}

// importPeer merges one checked peer into the store.
func (s *Store) importPeer(ip importPeer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entryLocked(ip.id, true)
	if e == nil {
		return
	}
	now := s.now()
	for _, a := range ip.addrs {
		ttl := time.Duration(pstore.PermanentAddrTTL)
		if !a.Expires.IsZero() {
			ttl = a.Expires.Sub(now)
		}
		if ttl > 0 {
			s.addAddrsLocked(e, []ma.Multiaddr{a.Addr}, ttl, now)
		}
	}
	if ip.pub != nil {
		e.pub = ip.pub
	}
	if len(e.protos)+len(ip.protos) > s.opts.MaxProtocols {
		clear(e.protos)
	}
	for _, p := range ip.protos {
		e.protos[p] = struct{}{}
	}
	if ip.rec != nil && len(e.addrs) > 0 {
		if rec, _ := peerRecord(ip.rec); e.rec == nil || rec.Seq >= e.recSeq {
			e.rec, e.recSeq = ip.rec, rec.Seq
		}
	}
	for _, w := range ip.retained {
		s.retainLocked(e, w.Addr, w.WorkedAt)
	}
	e.lastSeen = later(e.lastSeen, ip.lastSeen)
	s.changedLocked(e, bookAll, now)
}
