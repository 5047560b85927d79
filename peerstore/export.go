package peerstore

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	ic "github.com/libp2p/go-libp2p/core/crypto"
	pstore "github.com/libp2p/go-libp2p/core/peerstore"
)

// Export document identification.
const (
	ExportFormat  = "p2psb-peerstore"
	ExportVersion = 1
)

// exportDoc is the JSON export document. Binary fields (keys, signed
// records) are base64, as encoding/json writes []byte.
type exportDoc struct {
	Format  string        `json:"format"`
	Version int           `json:"version"`
	Peers   []exportPeer  `json:"peers"`
	Buddies []exportBuddy `json:"buddies,omitempty"`
}

type exportPeer struct {
	ID        string          `json:"id"`
	LastSeen  *time.Time      `json:"last_seen,omitempty"`
	Addrs     []exportAddr    `json:"addrs,omitempty"`
	PublicKey []byte          `json:"public_key,omitempty"`
	Protocols []string        `json:"protocols,omitempty"`
	Record    []byte          `json:"signed_record,omitempty"`
	Retained  []exportWorking `json:"retained,omitempty"`
}

type exportAddr struct {
	Addr    string     `json:"addr"`
	Expires *time.Time `json:"expires,omitempty"` // absent: never
}

type exportWorking struct {
	Addr     string    `json:"addr"`
	WorkedAt time.Time `json:"worked_at"`
}

type exportBuddy struct {
	ID      string    `json:"id"`
	Alias   string    `json:"alias,omitempty"`
	AddedAt time.Time `json:"added_at"`
}

// Export writes the whole store (without private keys and metadata) as a
// JSON export document.
func (s *Store) Export(w io.Writer) error {
	entries, err := s.List()
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	doc := exportDoc{Format: ExportFormat, Version: ExportVersion, Peers: make([]exportPeer, 0, len(entries))}
	for _, pe := range entries {
		doc.Peers = append(doc.Peers, toExport(pe))
	}
	bs, err := s.Buddies()
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	for _, b := range bs {
		doc.Buddies = append(doc.Buddies, exportBuddy{ID: b.ID.String(), Alias: b.Alias, AddedAt: b.AddedAt.UTC()})
	}
	return writeDoc(w, &doc)
}

// ExportPeerstore writes any libp2p peerstore (pstoremem, for one) as an
// export document that Import reads: this moves a peerstore to a Store.
// The Peerstore interface does not reveal TTLs, so every address is given
// peerstore.AddressTTL from now.
func ExportPeerstore(ps pstore.Peerstore, w io.Writer) error {
	if s, ok := ps.(*Store); ok {
		return s.Export(w)
	}
	doc := exportDoc{Format: ExportFormat, Version: ExportVersion, Peers: []exportPeer{}}
	exp := time.Now().Add(pstore.AddressTTL).UTC()
	cab, _ := pstore.GetCertifiedAddrBook(ps)
	for _, id := range ps.Peers() {
		pe := PeerEntry{ID: id, PublicKey: ps.PubKey(id)}
		for _, a := range ps.Addrs(id) {
			pe.Addrs = append(pe.Addrs, ExpiringAddr{Addr: a, Expires: exp})
		}
		pe.Protocols, _ = ps.GetProtocols(id)
		if cab != nil {
			pe.Record = cab.GetPeerRecord(id)
		}
		doc.Peers = append(doc.Peers, toExport(pe))
	}
	return writeDoc(w, &doc)
}

func toExport(pe PeerEntry) exportPeer {
	ep := exportPeer{ID: pe.ID.String()}
	if !pe.LastSeen.IsZero() {
		t := pe.LastSeen.UTC()
		ep.LastSeen = &t
	}
	for _, a := range pe.Addrs {
		ea := exportAddr{Addr: a.Addr.String()}
		if !a.Expires.IsZero() {
			t := a.Expires.UTC()
			ea.Expires = &t
		}
		ep.Addrs = append(ep.Addrs, ea)
	}
	if pe.PublicKey != nil {
		ep.PublicKey, _ = ic.MarshalPublicKey(pe.PublicKey)
	}
	for _, p := range pe.Protocols {
		ep.Protocols = append(ep.Protocols, string(p))
	}
	if pe.Record != nil {
		ep.Record, _ = pe.Record.Marshal()
	}
	for _, r := range pe.Retained {
		ep.Retained = append(ep.Retained, exportWorking{Addr: r.Addr.String(), WorkedAt: r.WorkedAt.UTC()})
	}
	return ep
}

func writeDoc(w io.Writer, doc *exportDoc) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
