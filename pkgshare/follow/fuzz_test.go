package follow

import (
	"context"
	"log/slog"
	"testing"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pubsubpb "github.com/libp2p/go-libp2p-pubsub/pb"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	"github.com/stretchr/testify/require"
)

// FuzzAnnouncement feeds untrusted bytes to the parser and to a topic's
// validator: whatever comes in, the validator rejects exactly what does
// not parse as a manifest of the topic's package, and what it accepts or
// ignores parses.
func FuzzAnnouncement(f *testing.F) {
	key := testKey(f, 1)
	vs := versions(f, key, "album", 3, time.Unix(1e9, 0))
	id := vs[0].PackageID
	for _, s := range vs {
		f.Add(s.Raw)
		f.Add(forge(s))
	}
	f.Add(versions(f, key, "other", 1, time.Unix(1e9, 0))[0].Raw)
	f.Add(vs[1].Raw[:len(vs[1].Raw)/2])
	f.Add([]byte{})

	mn := mocknet.New()
	f.Cleanup(func() { _ = mn.Close() })
	self, err := mn.GenPeer()
	require.NoError(f, err)
	other, err := mn.GenPeer()
	require.NoError(f, err)
	g, err := NewGossip(self, GossipOptions{Log: slog.New(slog.DiscardHandler)})
	require.NoError(f, err)
	f.Cleanup(func() { _ = g.Close() })
	validate := g.validator(id)

	f.Fuzz(func(t *testing.T, raw []byte) {
		s, perr := ParseAnnouncement(id, raw)
		if perr == nil {
			require.Equal(t, id, s.PackageID)
			require.LessOrEqual(t, len(raw), MaxAnnouncement)
		}
		res := validate(context.Background(), other.ID(), &pubsub.Message{Message: &pubsubpb.Message{Data: raw}})
		switch res {
		case pubsub.ValidationReject:
			require.Error(t, perr)
		case pubsub.ValidationAccept, pubsub.ValidationIgnore:
			require.NoError(t, perr)
		default:
			t.Fatalf("validator returned %v", res)
		}
	})
}
