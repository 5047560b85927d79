package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"

	"github.com/p2psb/p2psb/pkgshare/node"
)

// SocketFile is the control socket's name in the home directory.
const SocketFile = "p2psb.sock"

// MaxRequest bounds a request body, except an import's.
const MaxRequest = 64 << 10

// MaxImport bounds the body of POST /v1/peers/import.
const MaxImport = 64 << 20

// ErrDaemonRunning is returned by Listen when a daemon already answers on
// the socket.
var ErrDaemonRunning = errors.New("a p2psb daemon already runs for this home")

// Server serves the control API of one node.
type Server struct {
	node *node.Node
	key  crypto.PrivKey // the node key, which signs published versions
	log  *slog.Logger
	path string
	ctx  context.Context // ends every request at Close
	stop context.CancelFunc
	ln   net.Listener
	srv  *http.Server
	wg   sync.WaitGroup
	once sync.Once
}

// Listen opens the control socket at path for node, whose key is key, and
// starts serving. A stale socket left by a killed daemon is replaced; a
// live one is not.
func Listen(path string, node *node.Node, key crypto.PrivKey) (*Server, error) {
	if _, err := os.Stat(path); err == nil {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("%s: %w", path, ErrDaemonRunning)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("remove stale control socket: %w", err)
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	s := &Server{node: node, key: key, log: slog.Default().With("component", "control"), path: path, ln: ln}
	s.ctx, s.stop = context.WithCancel(context.Background())
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10,
		BaseContext: func(net.Listener) context.Context { return s.ctx }}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Warn("control socket stopped", "err", err)
		}
	}()
	return s, nil
}

// requestTimeout bounds a request that is not streamed; a streamed one
// ends with its work (a fetch has its own resolve timeout) or its client.
const requestTimeout = 30 * time.Second

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/publish", s.logged(s.publish))
	mux.HandleFunc("POST /v1/fetch", s.logged(s.fetch))
	for pattern, h := range map[string]http.HandlerFunc{
		"GET /v1/status":               s.status,
		"GET /v1/packages":             s.packages,
		"GET /v1/packages/{ref}":       s.packageDetail,
		"DELETE /v1/packages/{ref}":    s.removePackage,
		"POST /v1/packages/prune":      s.prune,
		"GET /v1/buddies":              s.buddies,
		"POST /v1/buddies":             s.addBuddy,
		"DELETE /v1/buddies/{who}":     s.removeBuddy,
		"GET /v1/peers":                s.peers,
		"GET /v1/peers/export":         s.exportPeers,
		"POST /v1/peers/import":        s.importPeers,
		"GET /v1/peers/{who}/packages": s.peerPackages,
		"GET /v1/locate/{id}":          s.locate,
		"GET /v1/rendezvous":           s.rendezvousNodes,
		"POST /v1/follows":             s.addFollow,
		"GET /v1/follows":              s.follows,
		"DELETE /v1/follows/{id}":      s.removeFollow,
	} {
		mux.Handle(pattern, http.TimeoutHandler(s.logged(h), requestTimeout, `{"error":"the daemon did not answer in time"}`))
	}
	return mux
}

// logged logs each request at debug level.
func (s *Server) logged(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.log.Debug("control request", "method", r.Method, "path", r.URL.Path)
		h(w, r)
	}
}

// Close stops serving, cancelling requests in flight (a fetch through the
// daemon stops; what it got stays), and removes the socket. It is
// idempotent.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		s.stop()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = s.srv.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = s.srv.Close()
		}
		s.wg.Wait()
		os.Remove(s.path)
	})
	return err
}

// decode reads a bounded JSON request body into v.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxRequest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &Error{Msg: fmt.Sprintf("bad request body: %v", err), BadInput: true}
	}
	return nil
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// answer replies with v, or with err's status and body.
func answer(w http.ResponseWriter, v any, err error) {
	if err != nil {
		reply(w, statusOf(err), toBody(err))
		return
	}
	reply(w, http.StatusOK, v)
}
