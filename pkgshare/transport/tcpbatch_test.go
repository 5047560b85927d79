package transport

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"
)

// pipeConn is one end of a net.Pipe as a manet.Conn that counts its
// writes. A pipe write blocks until the other end reads it all, so writes
// queue up behind it.
type pipeConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *pipeConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}
func (c *pipeConn) LocalMultiaddr() ma.Multiaddr  { return nil }
func (c *pipeConn) RemoteMultiaddr() ma.Multiaddr { return nil }

func batchPipe(t *testing.T) (*batchConn, *pipeConn, net.Conn) {
	t.Helper()
	a, b := net.Pipe()
	pc := &pipeConn{Conn: a}
	bc := newBatchConn(pc)
	t.Cleanup(func() { bc.Close(); b.Close() })
	return bc, pc, b
}

// Many small writes arrive whole and in order, in far fewer writes below.
func TestBatchConnBatchesWrites(t *testing.T) {
	bc, pc, peer := batchPipe(t)
	want := make([]byte, 4<<20)
	_, err := rand.Read(want)
	require.NoError(t, err)
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(peer)
		got <- b
	}()
	const piece = 16 << 10
	for off := 0; off < len(want); off += piece {
		n, err := bc.Write(want[off : off+piece])
		require.NoError(t, err)
		require.Equal(t, piece, n)
	}
	require.NoError(t, bc.Close())
	require.True(t, bytes.Equal(want, <-got), "the bytes arrive whole and in order")
	require.Less(t, pc.writes.Load(), int64(len(want)/piece/2), "writes were batched")
}

// Reads of any size see the peer's bytes in order, through the buffer.
func TestBatchConnReads(t *testing.T) {
	bc, _, peer := batchPipe(t)
	want := make([]byte, 1<<20+17)
	_, err := rand.Read(want)
	require.NoError(t, err)
	go func() {
		peer.Write(want)
		peer.Close()
	}()
	var got []byte
	for _, size := range []int{1, 100, 16 << 10, batchReadBuf, 3} {
		buf := make([]byte, size)
		n, err := io.ReadFull(bc, buf)
		require.NoError(t, err)
		got = append(got, buf[:n]...)
	}
	rest, err := io.ReadAll(bc)
	require.NoError(t, err)
	require.True(t, bytes.Equal(want, append(got, rest...)))
}

// Close does not hang on a peer that reads nothing, and writes after a
// failed flush or Close return an error.
func TestBatchConnCloseAndErrors(t *testing.T) {
	bc, _, _ := batchPipe(t)
	_, err := bc.Write(make([]byte, 1<<10)) // queued; the pipe write blocks
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, bc.Close())
	require.Less(t, time.Since(start), batchCloseWait+5*time.Second)
	_, err = bc.Write([]byte("x"))
	require.ErrorIs(t, err, net.ErrClosed)

	bc2, _, peer2 := batchPipe(t)
	require.NoError(t, peer2.Close())
	deadline := time.Now().Add(10 * time.Second)
	for err = nil; err == nil; _, err = bc2.Write([]byte("after the peer left")) {
		require.True(t, time.Now().Before(deadline), "a failed flush must surface in Write")
	}
	require.True(t, errors.Is(err, io.ErrClosedPipe), "got %v", err)
}
