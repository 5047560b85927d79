package peerstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	ic "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// ErrClosed is returned by Flush after Close.
var ErrClosed = errors.New("peerstore: closed")

// Flush commits every write made so far before it returns.
func (s *Store) Flush() error {
	reply := make(chan error, 1)
	select {
	case s.flushc <- reply:
		return <-reply
	case <-s.done:
		return ErrClosed
	}
}

// run is the writer goroutine: it commits pending writes every
// FlushInterval, when asked, and once more when the Store closes; it also
// runs the garbage collector.
func (s *Store) run(ctx context.Context) {
	defer s.wg.Done()
	flush := time.NewTicker(s.opts.FlushInterval)
	defer flush.Stop()
	gc := time.NewTicker(s.opts.GCInterval)
	defer gc.Stop()
	for {
		select {
		case <-ctx.Done():
			s.flush()
			return
		case <-flush.C:
			s.flush()
		case <-s.kick:
			s.flush()
		case <-gc.C:
			s.collect()
			s.flush()
		case reply := <-s.flushc:
			reply <- s.flush()
		}
	}
}

// snapshot is a copy of the parts of an entry the writer must store.
type snapshot struct {
	e      *entry
	ver    uint64
	books  book
	gone   bool // nothing left: delete the peer's rows
	row    peerRow
	addrs  []addrRow
	protos []string
	meta   map[string][]byte
	kept   []addrRow // retained addresses; ttl unused
}

// flush commits the pending writes in one transaction. On failure they stay
// pending for the next attempt.
func (s *Store) flush() error {
	s.mu.Lock()
	s.enforceMaxPeersLocked()
	batch := make([]snapshot, 0, len(s.dirty))
	for _, e := range s.dirty {
		batch = append(batch, takeSnapshot(e))
		e.dirty = 0
	}
	clear(s.dirty)
	s.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := s.save(batch)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		for _, sn := range batch {
			sn.e.dirty |= sn.books
			s.dirty[sn.e.id] = sn.e
		}
		s.writeErr = err
		s.log.Info("commit peerstore writes", "peers", len(batch), "err", err)
		return err
	}
	s.writeErr = nil
	for _, sn := range batch {
		e := sn.e
		e.savedVer = sn.ver
		switch {
		case !e.clean() || e.elem != nil:
		case e.empty():
			s.uncacheLocked(e)
		case s.peers[e.id] != nil && s.peers[e.id].e == e:
			e.elem = s.lru.PushBack(e) // back in the LRU list, as least recent
		}
	}
	s.trimLocked()
	return nil
}

func takeSnapshot(e *entry) snapshot {
	sn := snapshot{e: e, ver: e.ver, books: e.dirty, gone: e.empty()}
	if sn.gone {
		return sn
	}
	sn.row = peerRow{id: e.id, updated: e.updated, lastSeen: e.lastSeen, recSeq: e.recSeq}
	if e.pub != nil {
		sn.row.pub, _ = ic.MarshalPublicKey(e.pub)
	}
	if e.priv != nil {
		sn.row.priv, _ = ic.MarshalPrivateKey(e.priv)
	}
	if e.rec != nil {
		sn.row.rec, _ = e.rec.Marshal()
	}
	// The address book shares the peer's row, which is always rewritten.
	sn.addrs = make([]addrRow, 0, len(e.addrs))
	for k, a := range e.addrs {
		sn.addrs = append(sn.addrs, addrRow{addr: []byte(k), ttl: a.ttl, at: a.expiry})
	}
	var sum summary
	sum.summarize(e)
	sn.row.until, sn.row.next = sum.addrsUntil, sum.nextExpiry
	if e.dirty&bookProtos != 0 {
		for p := range e.protos {
			sn.protos = append(sn.protos, string(p))
		}
	}
	if e.dirty&bookMeta != 0 {
		sn.meta = make(map[string][]byte, len(e.meta))
		for k, v := range e.meta {
			sn.meta[k] = v.enc
		}
	}
	if e.dirty&bookRetained != 0 {
		for _, r := range e.retained {
			sn.kept = append(sn.kept, addrRow{addr: r.addr.Bytes(), at: r.at})
		}
	}
	return sn
}

// save writes batch in one transaction.
func (s *Store) save(batch []snapshot) error {
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	w, err := prepareWriter(tx)
	if err != nil {
		return err
	}
	defer w.close()
	for i := range batch {
		if err := w.write(&batch[i]); err != nil {
			return fmt.Errorf("write peer %s: %w", peer.ID(batch[i].e.id), err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
