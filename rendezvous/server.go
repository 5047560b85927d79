package rendezvous

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/p2psb/p2psb/peerstore/sqlitedb"
	"github.com/p2psb/p2psb/rendezvous/pb"
)

// ProtocolID is the rendezvous protocol of the libp2p spec.
const ProtocolID protocol.ID = "/rendezvous/1.0.0"

// Server is a rendezvous point: it answers /rendezvous/1.0.0 streams from
// registrations kept in SQLite, collects expired registrations, and
// optionally registers itself and federates with other rendezvous nodes.
type Server struct {
	h        host.Host
	db       *sql.DB
	cfg      config
	cookies  cookieJar
	epoch    uint64 // this database's epoch (loadEpoch), sent with catch-up batches
	verifier *verifier
	st       *statements
	w        *writer
	fed      *federation

	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	closed  bool
	streams map[network.Stream]struct{} // being served, reset by Close
}

// NewServer migrates the rendezvous tables in db (opened by the caller, see
// sqlitedb.DSN), starts the writer and the garbage collector and registers the
// protocol handler on h. Close stops it; the caller still owns h and db.
func NewServer(h host.Host, db *sql.DB, opts ...Option) (*Server, error) {
	cfg, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	if err := sqlitedb.Migrate(context.Background(), db, schema); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{h: h, db: db, cfg: cfg, ctx: ctx, cancel: cancel, streams: map[network.Stream]struct{}{}}
	if err := s.load(); err != nil {
		cancel()
		return nil, err
	}
	if cfg.federate {
		if s.fed, err = newFederation(s); err != nil {
			cancel()
			s.st.close()
			return nil, err
		}
		s.w.onCommit = s.fed.published
	}
	s.start(func() { s.w.run(ctx) })
	s.start(s.collectLoop)
	if cfg.selfRegister {
		s.start(s.selfRegisterLoop)
	}
	if s.fed != nil {
		s.fed.start()
	}
	h.SetStreamHandler(ProtocolID, s.handleStream)
	return s, nil
}

func (s *Server) load() error {
	secret, err := loadSecret(s.ctx, s.db)
	if err != nil {
		return err
	}
	if s.epoch, err = loadEpoch(s.ctx, s.db); err != nil {
		return err
	}
	counter, err := loadCounter(s.ctx, s.db)
	if err != nil {
		return err
	}
	rows, err := loadRowCount(s.ctx, s.db)
	if err != nil {
		return err
	}
	if s.st, err = prepareStatements(s.ctx, s.db); err != nil {
		return err
	}
	s.cookies = cookieJar{secret: secret}
	s.verifier = newVerifier(s.cfg.maxAddrs)
	s.w = &writer{
		db: s.db, st: s.st, in: make(chan *writeOp, 4*writeBatch), counter: counter, rows: rows,
		maxPerPeer: s.cfg.maxPerPeer, maxRows: s.cfg.maxRegistrations, now: s.cfg.clock.Now,
	}
	return nil
}

// start runs f in a goroutine owned by the server, unless it is closed.
func (s *Server) start(f func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// Close removes the protocol handler, stops federation, answers pending
// requests with E_UNAVAILABLE, resets the streams being served and waits
// for every goroutine. It is idempotent and leaves the host and the
// database open.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.h.RemoveStreamHandler(ProtocolID)
	if s.fed != nil {
		s.fed.stop()
	}
	s.cancel()
	s.mu.Lock()
	for str := range s.streams {
		str.Reset()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return s.st.close()
}

// collectLoop deletes expired registrations every gcInterval.
func (s *Server) collectLoop() {
	t := s.cfg.clock.Ticker(s.cfg.gcInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			if err := s.collect(s.ctx); err != nil {
				s.cfg.log.Debug("rendezvous: collect expired", "err", err)
			}
		}
	}
}

// collect deletes every registration and tombstone expired by now.
func (s *Server) collect(ctx context.Context) error {
	for {
		res := s.w.submit(ctx, &writeOp{kind: opCollect})
		if !errors.Is(res.err, errMoreGarbage) {
			return res.err
		}
	}
}

// handleStream serves requests on one stream until the client closes it,
// a request breaks the protocol or the per-request deadline passes.
func (s *Server) handleStream(str network.Stream) {
	s.serveTracked(str, s.serveStream)
}

// serveTracked runs serve(str) in a goroutine owned by the server; Close
// resets str if it is still being served.
func (s *Server) serveTracked(str network.Stream, serve func(network.Stream)) {
	s.mu.Lock()
	s.streams[str] = struct{}{}
	s.mu.Unlock()
	ok := s.start(func() {
		defer func() {
			s.mu.Lock()
			delete(s.streams, str)
			s.mu.Unlock()
		}()
		serve(str)
	})
	if !ok {
		str.Reset()
	}
}

func (s *Server) serveStream(str network.Stream) {
	remote := str.Conn().RemotePeer()
	r := newMsgReader(str, maxRequestSize)
	for {
		timer := time.AfterFunc(s.cfg.streamTimeout, func() { str.Reset() })
		err := s.serveOne(str, r)
		timer.Stop()
		if errors.Is(err, errStreamDone) {
			str.Close()
			return
		}
		if err != nil {
			s.cfg.log.Debug("rendezvous: stream reset", "peer", remote, "err", err)
			str.Reset()
			return
		}
	}
}

var errStreamDone = errors.New("stream closed by client")

func (s *Server) serveOne(str network.Stream, r *msgReader) error {
	var msg pb.Message
	if err := r.read(&msg); err != nil {
		if errors.Is(err, io.EOF) {
			return errStreamDone
		}
		return err
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.streamTimeout)
	defer cancel()
	resp, err := s.serve(ctx, str.Conn().RemotePeer(), &msg)
	if err != nil {
		return err
	}
	if resp == nil {
		return nil
	}
	if err := writeMsg(str, resp); err != nil {
		return fmt.Errorf("answer %s: %w", msg.GetType(), err)
	}
	return nil
}
