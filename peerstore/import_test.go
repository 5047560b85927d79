package peerstore

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	ic "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/p2p/host/peerstore/pstoremem"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"
)

// TestExportImportRoundTrip moves a pstoremem peerstore into a Store, then
// that Store into another one.
func TestExportImportRoundTrip(t *testing.T) {
	mem, err := pstoremem.NewPeerstore()
	require.NoError(t, err)
	defer mem.Close()
	id, priv := newPeer(t)
	a1 := maddr("/ip4/10.0.0.1/tcp/1")
	mem.AddAddr(id, a1, time.Hour)
	require.NoError(t, mem.AddPubKey(id, priv.GetPublic()))
	require.NoError(t, mem.SetProtocols(id, "/x/1"))
	_, err = mem.ConsumePeerRecord(sealRecord(t, priv, 3, a1), time.Hour)
	require.NoError(t, err)

	var doc bytes.Buffer
	require.NoError(t, ExportPeerstore(mem, &doc))
	s1 := openTemp(t, Options{})
	st, err := s1.Import(&doc)
	require.NoError(t, err)
	require.Equal(t, 1, st.Peers)
	s1.MarkWorking(id, a1)
	_, err = s1.AddBuddy(id, "ana")
	require.NoError(t, err)

	doc.Reset()
	require.NoError(t, s1.Export(&doc))
	s2 := openTemp(t, Options{})
	st, err = s2.Import(&doc)
	require.NoError(t, err)
	require.Equal(t, ImportStats{Peers: 1, Buddies: 1}, st)
	require.Equal(t, []ma.Multiaddr{a1}, s2.Addrs(id))
	require.True(t, priv.GetPublic().Equals(s2.PubKey(id)))
	require.NotNil(t, s2.GetPeerRecord(id))
	protos, err := s2.GetProtocols(id)
	require.NoError(t, err)
	require.Len(t, protos, 1)
	recent, err := s2.RecentPeers(1)
	require.NoError(t, err)
	require.Len(t, recent, 1)
	require.True(t, s2.IsBuddy(id))
}

// TestImportRefusesBadRecords: each bad record fails the whole import,
// naming it, and nothing is written.
func TestImportRefusesBadRecords(t *testing.T) {
	id, _ := newPeer(t)
	other, otherPriv := newPeer(t)
	otherPub, err := ic.MarshalPublicKey(otherPriv.GetPublic())
	require.NoError(t, err)
	wrongRec, err := sealRecord(t, otherPriv, 1, maddr("/ip4/1.2.3.4/tcp/1")).Marshal()
	require.NoError(t, err)
	dup := exportPeer{ID: id.String(), Addrs: []exportAddr{{Addr: "/ip4/1.2.3.4/tcp/1"}}}
	for _, tc := range []struct {
		name string
		doc  string
		want string
	}{
		{"not json", `{"format":`, "not an export document"},
		{"unknown field", `{"format":"p2psb-peerstore","version":1,"peers":[],"extra":1}`, "unknown field"},
		{"wrong format", `{"format":"other","version":1,"peers":[]}`, "format"},
		{"newer version", `{"format":"p2psb-peerstore","version":2,"peers":[]}`, "version 2"},
		{"two documents", `{"format":"p2psb-peerstore","version":1,"peers":[]} {}`, "after the document"},
		{"bad id", docWith(exportPeer{ID: "nope"}), "peers[1]"},
		{"bad address", docWith(exportPeer{ID: other.String(), Addrs: []exportAddr{{Addr: "/ip4/999.1.1.1/tcp/1"}}}), "address"},
		{"address of another peer", docWith(exportPeer{ID: other.String(), Addrs: []exportAddr{{Addr: "/ip4/1.1.1.1/tcp/1/p2p/" + id.String()}}}), "another peer"},
		{"key of another peer", docWith(exportPeer{ID: id.String(), PublicKey: otherPub}), "does not match"},
		{"garbage key", docWith(exportPeer{ID: other.String(), PublicKey: []byte{1, 2, 3}}), "public key"},
		{"record of another peer", docWith(exportPeer{ID: id.String(), Record: wrongRec}), "signed record"},
		{"garbage record", docWith(exportPeer{ID: other.String(), Record: []byte("xx")}), "signed record"},
		{"empty protocol", docWith(exportPeer{ID: other.String(), Protocols: []string{""}}), "protocol"},
		{"peer twice", docWith(dup, dup), "peers[2]"},
		{"bad buddy", `{"format":"p2psb-peerstore","version":1,"peers":[],"buddies":[{"id":"x","added_at":"2024-01-01T00:00:00Z"}]}`, "buddies[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t, Options{})
			_, err := s.Import(strings.NewReader(tc.doc))
			require.ErrorIs(t, err, ErrBadImport)
			require.ErrorContains(t, err, tc.want)
			require.Empty(t, s.Peers(), "nothing may be written")
			var n int
			require.NoError(t, s.db.QueryRow(`SELECT count(*) FROM peerstore_peers`).Scan(&n))
			require.Zero(t, n)
		})
	}
}

// docWith returns a document holding a good peer, then ps.
func docWith(ps ...exportPeer) string {
	good := exportPeer{ID: "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA", Addrs: []exportAddr{{Addr: "/ip4/1.2.3.4/tcp/1"}}}
	b, _ := json.Marshal(exportDoc{Format: ExportFormat, Version: ExportVersion, Peers: append([]exportPeer{good}, ps...)})
	return string(b)
}

// FuzzImport: no input crashes Import, and an accepted document exports
// and imports again.
func FuzzImport(f *testing.F) {
	f.Add([]byte(`{"format":"p2psb-peerstore","version":1,"peers":[]}`))
	f.Add([]byte(docWith(exportPeer{ID: "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA", Protocols: []string{"/a"}})))
	f.Add([]byte(`{"format":"p2psb-peerstore","version":1,"peers":[{"id":"12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA","addrs":[{"addr":"/dns4/x/tcp/1","expires":"2999-01-01T00:00:00Z"}],"retained":[{"addr":"/ip6/::1/udp/1/quic-v1","worked_at":"2020-01-01T00:00:00Z"}]}],"buddies":[{"id":"12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA","alias":"a","added_at":"2020-01-01T00:00:00Z"}]}`))
	s := openTemp(f, Options{FlushInterval: time.Hour})
	f.Fuzz(func(t *testing.T, doc []byte) {
		if _, err := s.Import(bytes.NewReader(doc)); err != nil {
			return
		}
		var out bytes.Buffer
		require.NoError(t, s.Export(&out))
		_, err := s.Import(&out)
		require.NoError(t, err)
	})
}
