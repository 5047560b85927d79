package ticket_test

import (
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/ticket"
)

const (
	provider = "12D3KooWKcrWaNaELKKHpuZFGZc2ci1s7DMpQSbJmoNEJu6eqMSi"
	rzNode   = "12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo"
)

func sample(t testing.TB) ticket.Ticket {
	t.Helper()
	p, err := peer.Decode(provider)
	require.NoError(t, err)
	rz, err := peer.AddrInfoFromString("/ip4/203.0.113.7/tcp/4001/p2p/" + rzNode)
	require.NoError(t, err)
	return ticket.Ticket{
		Package:   manifest.PackageID(sha256.Sum256([]byte("pkg"))),
		Version:   3,
		VersionID: manifest.VersionID(sha256.Sum256([]byte("ver"))),
		Provider: peer.AddrInfo{ID: p, Addrs: []ma.Multiaddr{
			ma.StringCast("/ip4/127.0.0.1/tcp/4747"),
			ma.StringCast("/ip4/203.0.113.7/tcp/4001/p2p/" + rzNode + "/p2p-circuit"),
		}},
		Rendezvous: []peer.AddrInfo{*rz},
	}
}

func TestRoundTrip(t *testing.T) {
	for name, tk := range map[string]ticket.Ticket{
		"full":         sample(t),
		"package only": {Package: sample(t).Package},
	} {
		t.Run(name, func(t *testing.T) {
			s := tk.String()
			require.True(t, strings.HasPrefix(s, ticket.Prefix))
			got, err := ticket.Parse(s)
			require.NoError(t, err)
			require.Equal(t, tk.String(), got.String())
			require.Equal(t, tk.Ref(), got.Ref())
			up, err := ticket.Parse(strings.ToUpper(s))
			require.NoError(t, err, "upper case is accepted")
			require.Equal(t, s, up.String())
		})
	}
}

func TestParseRefuses(t *testing.T) {
	s := sample(t).String()
	flip := []byte(s)
	i := len(ticket.Prefix) + 10
	if flip[i] == 'a' {
		flip[i] = 'b'
	} else {
		flip[i] = 'a'
	}
	for name, tc := range map[string]struct{ in, want string }{
		"changed":         {string(flip), "checksum does not match"},
		"cut short":       {s[:len(s)-9], "checksum does not match"},
		"unknown version": {"p2psb2" + s[len(ticket.Prefix):], `format "p2psb2" is not one this p2psb reads`},
		"not a ticket":    {"pkg_abc", "starts with"},
		"too long":        {ticket.Prefix + strings.Repeat("a", ticket.MaxLen), "more than"},
		"not base32":      {ticket.Prefix + "!!!!", "not valid base32"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ticket.Parse(tc.in)
			require.ErrorContains(t, err, tc.want)
			var te *ticket.Error
			require.ErrorAs(t, err, &te)
		})
	}
}

// FuzzParse: Parse never panics, stays within its bounds, and what it
// accepts prints back to a ticket that parses to the same thing.
func FuzzParse(f *testing.F) {
	f.Add(sample(f).String())
	f.Add(ticket.Ticket{Package: sample(f).Package}.String())
	f.Add(ticket.Prefix)
	f.Add("p2psb9zzzz")
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 2*ticket.MaxLen {
			return
		}
		tk, err := ticket.Parse(s)
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(tk.Provider.Addrs), ticket.MaxAddrs)
		require.LessOrEqual(t, len(tk.Rendezvous), ticket.MaxRendezvous)
		again, err := ticket.Parse(tk.String())
		require.NoError(t, err)
		require.Equal(t, tk.String(), again.String())
	})
}
