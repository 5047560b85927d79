package xfer

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A chunk a peer deferred goes to the other peers at once, and back to
// the deferring peer only when its back-off ends, which wakes that peer.
func TestElsewhereBackOff(t *testing.T) {
	fe := schedFixture(t)
	seeder := schedPeer(fe, "seeder", 0, 1, 2, 3, 4, 5, 6, 7)
	got := fe.pick(seeder)
	require.Len(t, got, 8)
	i := got[0]
	fe.elsewhere(seeder, i)
	require.NotContains(t, seeder.asked, i)
	require.False(t, fe.st[i].busy(), "the chunk is free again")
	require.Empty(t, fe.pick(seeder), "not asked again during its back-off")
	until := fe.deferred[seeder].chunks[i].until

	other := schedPeer(fe, "other", i)
	require.Equal(t, []int{i}, fe.pick(other), "another holder is asked at once")
	fe.requeue(other, i)

	deadline := time.After(10 * time.Second)
	for got = nil; len(got) == 0; got = fe.pick(seeder) {
		select {
		case <-seeder.wake:
		case <-deadline:
			t.Fatal("the deferring peer was not woken when its back-off ended")
		}
	}
	require.False(t, time.Now().Before(until), "not before the back-off ended")
	require.Equal(t, []int{i}, got, "asked again once the back-off ended")

	fe.elsewhere(seeder, i)
	d := fe.deferred[seeder].chunks[i]
	require.Equal(t, 2, d.n)
	require.Greater(t, d.until.Sub(until), elsewhereMin, "the back-off grows")
}

// A peer that leaves the fetch takes its deferrals and wake timer along.
func TestElsewhereForgottenWithPeer(t *testing.T) {
	fe := schedFixture(t)
	seeder := schedPeer(fe, "seeder", 0, 1, 2, 3)
	seeder.cancel = func() {}
	got := fe.pick(seeder)
	require.NotEmpty(t, got)
	fe.elsewhere(seeder, got[0])
	require.Contains(t, fe.deferred, seeder)
	fe.removePeer(seeder)
	require.NotContains(t, fe.deferred, seeder)
}
