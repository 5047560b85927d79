// Command tlsfloor measures what the work p2psb must do costs on its own:
// a file sent over one TLS 1.3 connection on TCP and written to disk by
// the receiver, which hashes every 1 MiB piece with BLAKE3 first. There is
// no libp2p, no stream multiplexing, no protocol and no state: it is the
// floor under `p2psb fetch` on the same machine (../RESULTS.md).
//
//	tlsfloor serve [-yamux] FILE            prints its address, sends FILE to each client
//	tlsfloor fetch [-yamux] ADDR SIZE OUT   receives SIZE bytes into OUT
//
// With -yamux (on both sides) the file goes on one stream of a yamux
// session over the TLS connection, with libp2p's yamux settings: that
// measures what the multiplexer adds.
//
// Both sides batch TCP writes and reads below TLS with p2psb's own code.
// The receiver reads with one goroutine and hashes and writes with
// another.
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	manet "github.com/multiformats/go-multiaddr/net"
	"github.com/zeebo/blake3"

	"github.com/p2psb/p2psb/pkgshare/transport"
)

const (
	pieceSize = 1 << 20
)

func main() {
	fs := flag.NewFlagSet("tlsfloor", flag.ExitOnError)
	useYamux := fs.Bool("yamux", false, "send on a yamux stream over the TLS connection")
	var err error
	if len(os.Args) > 1 {
		err = fs.Parse(os.Args[2:])
	}
	args := fs.Args()
	switch {
	case err != nil:
	case len(os.Args) > 1 && os.Args[1] == "serve" && len(args) == 1:
		err = serve(args[0], *useYamux)
	case len(os.Args) > 1 && os.Args[1] == "fetch" && len(args) == 3:
		var size int64
		if size, err = strconv.ParseInt(args[1], 10, 64); err == nil {
			err = fetch(args[0], size, args[2], *useYamux)
		}
	default:
		err = errors.New("usage: tlsfloor serve [-yamux] FILE | tlsfloor fetch [-yamux] ADDR SIZE OUT")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlsfloor:", err)
		os.Exit(1)
	}
}

// session returns the connection itself, or with useYamux one stream of
// a yamux session over it (the client opens it and writes a byte so that
// the server sees it).
func session(c net.Conn, server, useYamux bool) (io.ReadWriter, error) {
	if !useYamux {
		return c, nil
	}
	mc, err := yamux.DefaultTransport.NewConn(c, server, nil)
	if err != nil {
		return nil, err
	}
	if server {
		s, err := mc.AcceptStream()
		if err != nil {
			return nil, err
		}
		_, err = io.ReadFull(s, make([]byte, 1))
		return s, err
	}
	s, err := mc.OpenStream(context.Background())
	if err != nil {
		return nil, err
	}
	_, err = s.Write([]byte{1})
	return s, err
}

// batched wraps a TCP connection as a p2psb node does: writes are sent in
// batches of up to 256 KiB by a goroutine of their own, and reads come
// through a 256 KiB buffer. It closes c when it cannot.
func batched(c net.Conn) (net.Conn, error) {
	mc, err := manet.WrapNetConn(c)
	if err != nil {
		c.Close()
		return nil, err
	}
	return transport.NewBatchedConn(mc), nil
}

func serve(path string, useYamux bool) error {
	cert, err := selfSigned()
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(l.Addr())
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go func() {
			if err := send(c, cfg, path, useYamux); err != nil {
				fmt.Fprintln(os.Stderr, "tlsfloor: send:", err)
			}
		}()
	}
}

func send(c net.Conn, cfg *tls.Config, path string, useYamux bool) error {
	b, err := batched(c)
	if err != nil {
		return err
	}
	defer b.Close()
	t := tls.Server(b, cfg)
	if err := t.Handshake(); err != nil {
		return err
	}
	w, err := session(t, true, useYamux)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, pieceSize)
	for off := int64(0); ; {
		n, rerr := f.ReadAt(buf, off)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
			off += int64(n)
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	// Wait for the client to hang up (its error is the end of the
	// connection): closing first could cut off what is still queued.
	_, _ = io.Copy(io.Discard, w)
	return nil
}

func fetch(addr string, size int64, out string, useYamux bool) error {
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	b, err := batched(raw)
	if err != nil {
		return err
	}
	defer b.Close()
	// The floor measures the data path; the server's throwaway
	// certificate is not checked.
	t := tls.Client(b, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS13})
	r, err := session(t, false, useYamux)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	type piece struct {
		buf []byte
		off int64
	}
	pieces, free := make(chan piece, 8), make(chan []byte, 8)
	for range cap(free) {
		free <- make([]byte, pieceSize)
	}
	done := make(chan error, 1)
	go func() {
		var werr error
		for p := range pieces {
			_ = blake3.Sum256(p.buf) // a real fetch compares it with the manifest
			if werr == nil {
				_, werr = f.WriteAt(p.buf, p.off)
			}
			free <- p.buf[:cap(p.buf)] // after an error too, so the reader goes on to the end
		}
		done <- werr
	}()
	var rerr error
	for off := int64(0); off < size; {
		buf := <-free
		n := int(min(int64(len(buf)), size-off))
		if _, rerr = io.ReadFull(r, buf[:n]); rerr != nil {
			break
		}
		pieces <- piece{buf[:n], off}
		off += int64(n)
	}
	close(pieces)
	if err := <-done; err != nil {
		return err
	}
	return rerr
}

func selfSigned() (tls.Certificate, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv}, nil
}
