package cmd

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/buddy"
	"github.com/p2psb/p2psb/pkgshare/control"
	"github.com/p2psb/p2psb/pkgshare/follow"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/node"
	"github.com/p2psb/p2psb/rendezvous"
)

type serveOptions struct {
	Rendezvous  bool
	Backbone    []string
	Federate    bool
	RelayData   int64 // with Rendezvous: the relay's data budget per relayed connection
	MaxUpload   int
	MaxDownload int
	// MaxRegistrations bounds what a rendezvous node holds; 0: the default.
	MaxRegistrations int
	Metrics          string // serve Prometheus metrics at this address; "": off
	// PublishWatch are directories to publish, and publish again after
	// each change, while the daemon runs.
	PublishWatch []string
	// FollowCheck is how often followed packages are checked at their
	// providers.
	FollowCheck time.Duration
}

func newServeCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run this node until SIGINT/SIGTERM: announce it and keep it reachable",
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "rendezvous", Usage: "also act as a rendezvous node and circuit relay"},
			&cli.StringSliceFlag{Name: "backbone", Usage: "federate with the rendezvous node at `MULTIADDR` (repeatable; with --rendezvous)"},
			&cli.BoolFlag{Name: "federate", Usage: "join the rendezvous backbone so that other rendezvous nodes can federate with this one (with --rendezvous; implied by --backbone). Backbone members are trusted to relay unregistrations"},
			&cli.StringSliceFlag{Name: "publish-watch", Usage: "publish the directory `DIR` and publish a new version after each change, " +
				"once its files stop changing, while serving (repeatable)"},
			&cli.StringFlag{Name: "metrics", Usage: "serve Prometheus metrics at http://`ADDR`/metrics (e.g. 127.0.0.1:9464; default off)"},
			&cli.IntFlag{Name: "max-registrations", Value: rendezvous.DefaultMaxRegistrations, Usage: "hold at most `N` registrations, all peers together; when full, new ones are refused as unavailable (with --rendezvous)"},
			&cli.DurationFlag{Name: "follow-check", Value: follow.DefaultCheckEvery, EnvVars: []string{envName("follow-check")},
				Usage: "ask the providers of each followed package for a newer version every `DURATION` (announcements arrive at once; this catches what was missed)"},
			&cli.StringFlag{Name: "relay-data-limit", Usage: "let the circuit relay carry package data for peers that cannot connect directly (both behind symmetric NATs), up to `SIZE` each way per relayed connection (with --rendezvous; default 0: the relay carries only what sets up direct connections, since its bandwidth is yours)"},
		}, rateFlags()...),
		Action: func(c *cli.Context) error {
			opts, err := parseServeOptions(c)
			if err != nil {
				return err
			}
			return withSession(c, e, func(ctx context.Context, s *session) error { return runServe(ctx, s, opts) })
		},
	}
}

// parseServeOptions reads serve's flags and checks that they go together.
func parseServeOptions(c *cli.Context) (serveOptions, error) {
	if err := noArgs(c); err != nil {
		return serveOptions{}, err
	}
	opts := serveOptions{Rendezvous: c.Bool("rendezvous"), Backbone: c.StringSlice("backbone"), Federate: c.Bool("federate"),
		Metrics: c.String("metrics"), PublishWatch: c.StringSlice("publish-watch"), FollowCheck: c.Duration("follow-check")}
	if opts.FollowCheck <= 0 {
		return serveOptions{}, usageErrorf("--follow-check %s: want a positive duration", opts.FollowCheck)
	}
	if (len(opts.Backbone) > 0 || opts.Federate) && !opts.Rendezvous {
		return serveOptions{}, usageErrorf("--backbone and --federate join rendezvous nodes together; add --rendezvous")
	}
	if opts.MaxRegistrations = c.Int("max-registrations"); c.IsSet("max-registrations") && !opts.Rendezvous {
		return serveOptions{}, usageErrorf("--max-registrations bounds a rendezvous node; add --rendezvous")
	}
	if opts.MaxRegistrations < 1 {
		return serveOptions{}, usageErrorf("--max-registrations %d: want a count of at least 1", opts.MaxRegistrations)
	}
	relayData, err := parseRate("relay-data-limit", c.String("relay-data-limit"))
	if err != nil {
		return serveOptions{}, err
	}
	if relayData > 0 && !opts.Rendezvous {
		return serveOptions{}, usageErrorf("--relay-data-limit sets what this node's relay carries; add --rendezvous")
	}
	opts.RelayData = int64(relayData)
	if opts.MaxUpload, opts.MaxDownload, err = parseRates(c); err != nil {
		return serveOptions{}, err
	}
	return opts, nil
}

// serveEvent is what serve prints when it is ready and when it stops.
type serveEvent struct {
	Event   string        `json:"event"`
	ID      string        `json:"id"`
	Addrs   []string      `json:"addrs,omitempty"`
	Seeding []seededEntry `json:"seeding,omitempty"`
	// Registered: with the rendezvous nodes (Rendezvous of them
	// configured); RegisterErr says why not yet.
	Rendezvous   int    `json:"rendezvous"`
	Registered   bool   `json:"registered"`
	RegisterErr  string `json:"register_error,omitempty"`
	IsRendezvous bool   `json:"is_rendezvous"`
}

// seededEntry is a package serve offers, at its newest offered version.
type seededEntry struct {
	Name    string `json:"name"`
	ID      string `json:"id"`
	Version uint64 `json:"version"`
}

func runServe(ctx context.Context, s *session, opts serveOptions) error {
	if _, err := s.daemon(); err == nil {
		return fmt.Errorf("%s: %w", s.home.Dir, control.ErrDaemonRunning)
	}
	nopts, err := s.nodeOptions(true)
	if err != nil {
		return err
	}
	nopts.Rendezvous, nopts.Backbone, nopts.Federate, nopts.Redial = opts.Rendezvous, opts.Backbone, opts.Federate, 64
	nopts.MaxRegistrations = opts.MaxRegistrations
	nopts.RelayDataLimit = opts.RelayData
	nopts.MaxUpload, nopts.MaxDownload, nopts.MDNS = opts.MaxUpload, opts.MaxDownload, !s.g.NoMDNS
	nopts.Follow = &follow.Options{CheckEvery: opts.FollowCheck}
	keep := buddy.DefaultOptions()
	nopts.KeepBuddies = &keep
	node, err := node.Start(nopts)
	if err != nil {
		return err
	}
	defer node.Close()
	if opts.Metrics != "" {
		stop, err := s.serveMetrics(node, opts.Metrics)
		if err != nil {
			return err
		}
		defer stop()
	}
	ready := serveEvent{Event: "ready", Rendezvous: len(nopts.RendezvousPeers), IsRendezvous: opts.Rendezvous}
	ns := rendezvous.NodeNamespace(node.Host.ID())
	if err := node.Announce(ctx, ns); err != nil {
		s.log.Warn("no rendezvous accepted this node yet; retrying in the background", "err", err)
		ready.RegisterErr = err.Error()
	}
	ready.Registered = ready.Rendezvous > 0 && ready.RegisterErr == ""
	if _, err := node.SeedLibrary(ctx); err != nil {
		return err
	}
	if ready.Seeding, err = seededPackages(ctx, node.Library); err != nil {
		return err
	}
	// The control socket opens once the node is announced, so a client
	// that finds it can rely on the node being registered.
	ctl, err := control.Listen(s.home.Path(control.SocketFile), node, nopts.Key)
	if err != nil {
		return err
	}
	defer ctl.Close()

	st := node.Status()
	ready.ID, ready.Addrs = st.ID.String(), st.Addrs
	if err := s.printServe(ready); err != nil {
		return err
	}
	stopWatching, err := watchFolders(ctx, s, ctl, opts.PublishWatch)
	if err != nil {
		return err
	}
	defer stopWatching()
	<-ctx.Done()
	s.log.Info("stopping")
	stopWatching()
	if err := ctl.Close(); err != nil {
		s.log.Info("close control socket", "err", err)
	}
	if err := node.Close(); err != nil {
		return fmt.Errorf("stop node: %w", err)
	}
	return s.printServe(serveEvent{Event: "stopped", ID: st.ID.String()})
}

func (s *session) printServe(ev serveEvent) error {
	return s.out.result(ev, func(w io.Writer) error {
		if ev.Event == "stopped" {
			_, err := fmt.Fprintln(w, "stopped")
			return err
		}
		fmt.Fprintf(w, "node %s is serving on:\n", ev.ID)
		for _, a := range ev.Addrs {
			fmt.Fprintln(w, "  "+a)
		}
		fmt.Fprintf(w, "seeding %s\n", count(len(ev.Seeding), "package"))
		for _, p := range ev.Seeding {
			fmt.Fprintf(w, "  %s version %d  %s\n", p.Name, p.Version, p.ID)
		}
		switch {
		case ev.IsRendezvous && ev.Rendezvous == 0:
			fmt.Fprintln(w, "a rendezvous node: other nodes register here")
		case ev.Rendezvous == 0:
			fmt.Fprintln(w, "no rendezvous configured: peers find this node by its address, or on the LAN (see --rendezvous-peer)")
		case ev.Registered:
			fmt.Fprintf(w, "registered at the rendezvous (%s configured)\n", count(ev.Rendezvous, "node"))
		default:
			fmt.Fprintf(w, "not registered with the rendezvous yet (retrying in the background): %s\n", ev.RegisterErr)
		}
		return nil
	})
}

// seededPackages lists the packages the node offers, at their newest
// offered version.
func seededPackages(ctx context.Context, lib *library.Library) ([]seededEntry, error) {
	pkgs, err := lib.Packages(ctx)
	if err != nil {
		return nil, err
	}
	var out []seededEntry
	for _, p := range pkgs {
		for i := len(p.Versions) - 1; i >= 0; i-- {
			if v := p.Versions[i]; v.Offered() || v.InPart() {
				out = append(out, seededEntry{Name: p.Name, ID: p.ID.String(), Version: v.Version})
				break
			}
		}
	}
	return out, nil
}
