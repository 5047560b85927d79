package cmd

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/p2psb/p2psb/pkgshare/control"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/node"
)

// nodeOptions are what a command needs from the session to start a node.
// listen says whether the node listens (serve) or only dials (one-shot
// commands such as locate, which must not take the daemon's port).
func (s *session) nodeOptions(listen bool) (node.Options, error) {
	key, err := s.home.Identity()
	if err != nil {
		return node.Options{}, err
	}
	db, err := s.home.DB()
	if err != nil {
		return node.Options{}, err
	}
	mode, err := node.ParseDHTMode(s.g.DHT)
	if err != nil {
		return node.Options{}, usageErrorf("--dht: %v", err)
	}
	o := node.Options{Key: key, DB: db, RendezvousPeers: s.g.RendezvousPeer, DHT: mode, Home: s.g.Home, Log: s.log}
	if abs, err := filepath.Abs(s.g.Home); err == nil {
		o.Home = abs
	}
	if listen {
		o.Listen = s.g.Listen
	}
	if o.Peerstore, err = s.g.peerstoreOptions(); err != nil {
		return node.Options{}, err
	}
	return o, nil
}

// daemon returns a client of the home's running daemon, closed with the
// session, or control.ErrNoDaemon.
func (s *session) daemon() (*control.Client, error) {
	d, err := control.Dial(s.home.Path(control.SocketFile))
	if err == nil {
		s.daemons = append(s.daemons, d)
	}
	return d, err
}

// viaDaemon runs remote against the home's running daemon, or local
// against the home's library when no daemon runs.
func viaDaemon[T any](s *session, remote func(*control.Client) (T, error), local func(*library.Library) (T, error)) (T, error) {
	return daemonOr(s, remote, func() (T, error) {
		lib, err := s.library()
		if err != nil {
			var zero T
			return zero, err
		}
		return local(lib)
	})
}

// onNetwork runs a one-shot network request through the running daemon,
// or else on a dial-only node of the command's own, within lookupTimeout.
func onNetwork[T any](ctx context.Context, s *session, remote func(context.Context, *control.Client) (T, error),
	local func(context.Context, *node.Node) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	return daemonOr(s, func(d *control.Client) (T, error) { return remote(ctx, d) }, func() (T, error) {
		n, err := s.startOneShot()
		if err != nil {
			var zero T
			return zero, err
		}
		defer n.Close()
		return local(ctx, n)
	})
}

// daemonOr runs remote against the home's running daemon, or local when
// none runs.
func daemonOr[T any](s *session, remote func(*control.Client) (T, error), local func() (T, error)) (T, error) {
	d, err := s.runningDaemon()
	switch {
	case err != nil:
		var zero T
		return zero, err
	case d != nil:
		return remote(d)
	}
	return local()
}

// runningDaemon returns a client of the home's running daemon, or nil when
// none runs (the command then works locally).
func (s *session) runningDaemon() (*control.Client, error) {
	d, err := s.daemon()
	if errors.Is(err, control.ErrNoDaemon) {
		return nil, nil
	}
	return d, err
}
