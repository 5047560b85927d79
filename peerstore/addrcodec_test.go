package peerstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAddrCodec(t *testing.T) {
	rows := []addrRow{
		{addr: maddr("/ip4/10.0.0.1/tcp/1").Bytes(), ttl: time.Hour, at: time.Unix(0, 12345)},
		{addr: maddr("/ip6/::1/udp/4001/quic-v1").Bytes(), ttl: -1, at: never},
	}
	got, err := decodeAddrs(encodeAddrs(rows))
	require.NoError(t, err)
	require.Len(t, got, 2)
	for _, r := range rows {
		a := got[string(r.addr)]
		require.NotNil(t, a)
		require.Equal(t, r.ttl, a.ttl)
		require.True(t, r.at.Equal(a.expiry))
	}
	for _, tc := range []struct {
		name string
		blob []byte
	}{
		{"unknown format", []byte{9}},
		{"length past the end", []byte{1, 50, 1}},
		{"missing TTL", append([]byte{1, 3}, maddr("/ip4/1.2.3.4").Bytes()[:3]...)},
		{"not a multiaddr", []byte{1, 2, 0xff, 0xff, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeAddrs(tc.blob)
			require.ErrorIs(t, err, errAddrsBlob)
		})
	}
}

// FuzzDecodeAddrs: stored blobs never crash the decoder, and what it
// accepts encodes back to something it decodes the same.
func FuzzDecodeAddrs(f *testing.F) {
	f.Add([]byte{})
	f.Add(encodeAddrs([]addrRow{{addr: maddr("/ip4/10.0.0.1/tcp/1").Bytes(), ttl: time.Hour, at: time.Unix(5, 0)}}))
	f.Add([]byte{1, 200, 1})
	f.Fuzz(func(t *testing.T, blob []byte) {
		m, err := decodeAddrs(blob)
		if err != nil {
			return
		}
		rows := make([]addrRow, 0, len(m))
		for k, a := range m {
			rows = append(rows, addrRow{addr: []byte(k), ttl: a.ttl, at: a.expiry})
		}
		again, err := decodeAddrs(encodeAddrs(rows))
		require.NoError(t, err)
		require.Len(t, again, len(m))
	})
}
