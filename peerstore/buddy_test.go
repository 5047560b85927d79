package peerstore

import (
	"path/filepath"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/stretchr/testify/require"
)

func TestBuddies(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(path, Options{})
	require.NoError(t, err)
	ana, _ := newPeer(t)
	bob, _ := newPeer(t)
	_, err = s.AddBuddy(ana, "ana")
	require.NoError(t, err)
	_, err = s.AddBuddy(bob, "")
	require.NoError(t, err)

	for _, tc := range []struct {
		name  string
		id    peer.ID
		alias string
		want  error
	}{
		{"duplicate alias", bob, "ana", ErrAliasTaken},
		{"alias with a space", bob, "b b", ErrBadAlias},
		{"alias too long", bob, string(make([]byte, 65)), ErrBadAlias},
		{"alias that is a node ID", bob, ana.String(), ErrBadAlias},
		{"empty node ID", "", "x", ErrBadPeerID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.AddBuddy(tc.id, tc.alias)
			require.ErrorIs(t, err, tc.want)
			var bad interface{ InvalidInput() bool }
			require.ErrorAs(t, err, &bad)
		})
	}

	b, err := s.AddBuddy(ana, "") // adding again without alias keeps it
	require.NoError(t, err)
	require.Equal(t, "ana", b.Alias)
	b, err = s.AddBuddy(ana, "ana2") // and with one renames
	require.NoError(t, err)
	require.Equal(t, "ana2", b.Alias)
	require.True(t, s.IsBuddy(ana))
	require.NoError(t, s.Close())

	s, err = Open(path, Options{})
	require.NoError(t, err)
	defer s.Close()
	bs, err := s.Buddies()
	require.NoError(t, err)
	require.Len(t, bs, 2)
	require.Equal(t, ana, bs[0].ID, "buddies with an alias come first")
	require.True(t, s.IsBuddy(bob))

	cm, err := connmgr.NewConnManager(1, 2)
	require.NoError(t, err)
	defer cm.Close()
	require.NoError(t, s.ProtectBuddies(cm))
	require.True(t, cm.IsProtected(ana, BuddyTag))

	_, err = s.RemoveBuddy("ana2")
	require.NoError(t, err)
	_, err = s.RemoveBuddy(bob.String())
	require.NoError(t, err)
	_, err = s.RemoveBuddy("ana2")
	require.ErrorIs(t, err, ErrNotBuddy)
	require.False(t, s.IsBuddy(ana))
}
