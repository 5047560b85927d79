package rendezvous

import (
	"bytes"
	"crypto/rand"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a log sink the server's goroutines write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A server given a backbone peer that does not federate says so, in its
// log and its Backbone state, keeps retrying with backoff, and federates
// once the peer does.
func TestBackbonePeerThatDoesNotFederate(t *testing.T) {
	n := newTestNet(t)
	hx, ha := n.host(t), n.host(t)
	plain := n.server(t, hx) // a rendezvous, but no backbone member
	var logs syncBuffer
	sa := n.server(t, ha, WithBackbone(infoOf(hx)),
		WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))))

	state := func(failures int) BackbonePeer {
		t.Helper()
		var got BackbonePeer
		require.Eventually(t, func() bool {
			bs := sa.Backbone()
			if len(bs) != 1 {
				return false
			}
			got = bs[0]
			return got.Failures >= failures
		}, 10*time.Second, 5*time.Millisecond)
		return got
	}
	b := state(1)
	require.Equal(t, hx.ID(), b.ID)
	require.True(t, b.Configured)
	require.Equal(t, LinkNotFederating, b.State)
	require.Contains(t, b.LastError, "protocols not supported")
	require.Contains(t, b.Warning(), "does not federate")
	require.Contains(t, logs.String(), "level=WARN msg=\"rendezvous: backbone peer "+hx.ID().String()+" does not federate")

	// It retries after the backoff (the test clock's), and warns once.
	n.clk.Add(minBackoff)
	b = state(2)
	require.Equal(t, LinkNotFederating, b.State)
	require.Equal(t, 1, bytes.Count([]byte(logs.String()), []byte("level=WARN")))

	// The peer starts federating: the next attempt succeeds.
	require.NoError(t, plain.Close())
	n.server(t, hx, WithBackbone())
	require.Eventually(t, func() bool {
		n.clk.Add(maxBackoff)
		bs := sa.Backbone()
		return len(bs) == 1 && bs[0].State == LinkFederating
	}, 10*time.Second, 10*time.Millisecond)
	require.Empty(t, sa.Backbone()[0].Warning())
	require.Contains(t, logs.String(), "backbone peer federates now")
}

// An unreachable backbone peer is told apart from one that does not
// federate.
func TestBackbonePeerUnreachable(t *testing.T) {
	n := newTestNet(t)
	ha := n.host(t)
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	require.NoError(t, err)
	id, err := peer.IDFromPrivateKey(key)
	require.NoError(t, err)
	// Not in the network: no dial to it succeeds.
	sa := n.server(t, ha, WithBackbone(peer.AddrInfo{ID: id, Addrs: []ma.Multiaddr{ma.StringCast("/ip4/10.99.0.1/tcp/4001")}}))
	require.Eventually(t, func() bool {
		bs := sa.Backbone()
		return len(bs) == 1 && bs[0].State == LinkUnreachable
	}, 10*time.Second, 5*time.Millisecond)
	require.Contains(t, sa.Backbone()[0].Warning(), "cannot be reached")
	require.Nil(t, n.server(t, n.host(t)).Backbone(), "a server that does not federate has no backbone")
}
