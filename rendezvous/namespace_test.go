package rendezvous

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// badNamespaces are namespaces no request may name: they are not text.
var badNamespaces = []struct {
	name string
	ns   string
}{
	{"NUL byte", "app\x00evil"},
	{"only NUL", "\x00"},
	{"invalid UTF-8", "app\xff"},
	{"truncated UTF-8 sequence", "caf\xc3"},
	{"UTF-16 surrogate", "\xed\xa0\x80"},
}

func TestParseRequestRefusesNonTextNamespaces(t *testing.T) {
	for _, tc := range badNamespaces {
		msgs := map[string]*pb.Message{
			"REGISTER":   registerMsg(tc.ns, []byte{1}, 0),
			"UNREGISTER": unregisterMsg(tc.ns, ""),
			"DISCOVER":   discoverMsg(tc.ns, 0, nil),
		}
		for kind, m := range msgs {
			t.Run(tc.name+"/"+kind, func(t *testing.T) {
				_, err := parseRequest(m)
				require.ErrorIs(t, err, ErrInvalidNamespace)
			})
		}
	}
	_, err := parseRequest(discoverMsg("paquet-é-日本", 0, nil))
	require.NoError(t, err, "UTF-8 beyond ASCII is a namespace")
}

func TestConformanceNonTextNamespaces(t *testing.T) {
	c := newConformance(t)
	for _, tc := range badNamespaces {
		t.Run(tc.name, func(t *testing.T) {
			resp := c.register(t, c.a, registerMsg(tc.ns, signed(t, c.a), 0))
			require.Equal(t, pb.Message_E_INVALID_NAMESPACE, resp.GetStatus(), resp.GetStatusText())
			d := c.discover(t, discoverMsg(tc.ns, 0, nil)).GetDiscoverResponse()
			require.Equal(t, pb.Message_E_INVALID_NAMESPACE, d.GetStatus())
		})
	}
	require.Empty(t, peersOf(t, c.discover(t, discoverMsg("", 0, nil))), "nothing was stored")
}
