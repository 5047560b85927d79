package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/control"
	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/node"
	"github.com/p2psb/p2psb/pkgshare/ticket"
)

type fetchOptions struct {
	Ref         manifest.Ref
	VersionID   manifest.VersionID // instead of Ref when Ref is zero; with Ref (a ticket's), the only version accepted
	Rendezvous  []peer.AddrInfo    // from a ticket: rendezvous nodes to ask too
	Output      string
	Peers       []peer.AddrInfo
	Seed        bool
	MaxUpload   int
	MaxDownload int
	Timeout     time.Duration
	Stall       time.Duration
	Overwrite   bool
	Select      *fetch.Selection // --include/--exclude; nil: every file
}

// rateFlags are the rate limits serve and fetch take.
func rateFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "max-upload", Usage: "serve at most `RATE` per second (e.g. 25MiB; 0: unlimited)"},
		&cli.StringFlag{Name: "max-download", Usage: "fetch at most `RATE` per second (e.g. 25MiB; 0: unlimited)"},
	}
}

func parseRates(c *cli.Context) (up, down int, err error) {
	if up, err = parseRate("max-upload", c.String("max-upload")); err != nil {
		return 0, 0, err
	}
	down, err = parseRate("max-download", c.String("max-download"))
	return up, down, err
}

func newFetchCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "fetch",
		Usage:     "fetch a package (the newest version, or version N) from every peer that has it",
		ArgsUsage: "<pkg-id>[@N] | <version-id> | <ticket>",
		Description: "--timeout bounds the search for a provider of the version, before any chunk moves.\n" +
			"--stall-timeout bounds a fetch under way that no peer can serve: when no provider in use holds\n" +
			"a missing chunk and none arrived for that long, fetch gives up (exit 1) naming the peers it\n" +
			"tried and why each failed; what it got stays, and the same command resumes it.\n" +
			"A ticket (from p2psb share) names the package, a provider and its rendezvous nodes.\n\n" +
			"--include and --exclude fetch only some files: a file is taken when it matches an --include\n" +
			"(or none is given) and no --exclude. GLOB is a path from the package root: * and ? stay within\n" +
			"one directory, ** spans any number, {a,b} and [a-z] as in a shell, and a directory takes\n" +
			"everything under it (--include docs). A later fetch into the same place, with more files or\n" +
			"none excluded, moves only what is missing; p2psb packages info shows which files are present.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "put the files in `DIR` (default ./<package name>)"},
			&cli.StringSliceFlag{Name: "peer", Usage: "also fetch from the node at `MULTIADDR` (repeatable)"},
			&cli.BoolFlag{Name: "seed", Usage: "keep serving the package after the fetch, until SIGINT/SIGTERM"},
			&cli.StringSliceFlag{Name: "include", Usage: "fetch only files matching `GLOB` (repeatable; e.g. 'docs/**/*.md')"},
			&cli.StringSliceFlag{Name: "exclude", Usage: "do not fetch files matching `GLOB` (repeatable)"},
			&cli.BoolFlag{Name: "overwrite", Usage: "replace files in the target that p2psb did not write (refused otherwise)"},
			&cli.DurationFlag{Name: "timeout", Value: time.Minute, Usage: "give up when no provider offers the version within `DURATION` (the search, before fetching)"},
			&cli.DurationFlag{Name: "stall-timeout", Value: time.Minute, EnvVars: []string{envName("stall-timeout")},
				Usage: "while fetching, give up when no peer holds a missing chunk and none arrived for `DURATION` (config key stall-timeout; 0: wait for ever)"},
		}, rateFlags()...),
		Action: func(c *cli.Context) error {
			opts, err := parseFetchOptions(c)
			if err != nil {
				return err
			}
			return withSession(c, e, func(ctx context.Context, s *session) error {
				if opts.Stall, err = s.g.configDuration(c, "stall-timeout"); err != nil {
					return err
				}
				return s.resumeHint(runFetch(ctx, s, opts), opts)
			})
		},
	}
}

func parseFetchOptions(c *cli.Context) (fetchOptions, error) {
	if c.NArg() != 1 {
		return fetchOptions{}, usageErrorf("fetch takes one package ID (ID or ID@VERSION), version ID or ticket")
	}
	opts := fetchOptions{Output: c.String("output"), Seed: c.Bool("seed"), Timeout: c.Duration("timeout")}
	if err := opts.parseWhat(c.Args().First()); err != nil {
		return fetchOptions{}, err
	}
	var err error
	opts.Overwrite = c.Bool("overwrite")
	if opts.Select, err = fetch.NewSelection(c.StringSlice("include"), c.StringSlice("exclude")); err != nil {
		return fetchOptions{}, err
	}
	if opts.MaxUpload, opts.MaxDownload, err = parseRates(c); err != nil {
		return fetchOptions{}, err
	}
	for _, s := range c.StringSlice("peer") {
		ai, err := peer.AddrInfoFromString(s)
		if err != nil {
			return fetchOptions{}, usageErrorf("--peer %q: %v (a peer address ends in /p2p/<node-id>)", s, err)
		}
		opts.Peers = append(opts.Peers, *ai)
	}
	return opts, nil
}

// parseWhat reads what to fetch: a package ID, ID@N, a version ID, or a
// ticket, whose provider becomes one of the peers to ask.
func (o *fetchOptions) parseWhat(arg string) error {
	if !ticket.Looks(arg) {
		t, err := parseTarget(arg)
		o.Ref, o.VersionID = t.Ref, t.VersionID
		return err
	}
	t, err := ticket.Parse(arg)
	if err != nil {
		return err
	}
	o.Ref, o.VersionID, o.Rendezvous = t.Ref(), t.VersionID, t.Rendezvous
	if t.Provider.ID != "" {
		o.Peers = append(o.Peers, t.Provider)
	}
	return nil
}

// fetchEvent is a progress line in --json mode.
type fetchEvent struct {
	Event   string  `json:"event"`
	Done    int64   `json:"done"`
	Total   int64   `json:"total"`
	Fetched int64   `json:"fetched"`
	Rate    float64 `json:"rate"`
	Peers   int     `json:"peers"`
	Looking bool    `json:"looking,omitempty"` // no peer in use holds a missing chunk
}

// fetchAnnounceTTL is the provider TTL of a fetch's own node.
const fetchAnnounceTTL = 5 * time.Minute

// runFetch fetches through the running daemon, which seeds the package
// afterwards, or else with a node of its own.
func runFetch(ctx context.Context, s *session, opts fetchOptions) error {
	d, err := s.runningDaemon()
	if err != nil {
		return err
	}
	if d != nil {
		return fetchThrough(ctx, s, d, opts)
	}
	nopts, err := s.nodeOptions(true)
	if err != nil {
		return err
	}
	// A fetch's own node serves what it has on TCP ports of its own, never
	// the daemon's: when it exits, a peer's dial to it is refused at once
	// (a QUIC dial to a closed port waits out the dial timeout).
	nopts.Listen = tcpOnly(ephemeralPorts(nopts.Listen))
	nopts.MaxUpload, nopts.MaxDownload, nopts.Redial = opts.MaxUpload, opts.MaxDownload, 16
	// Registered as a provider with a short TTL, renewed while it runs: a
	// fetch that is killed stops being offered within minutes, not hours.
	nopts.AnnounceTTL = fetchAnnounceTTL
	nopts.MDNS = !s.g.NoMDNS
	nopts.RendezvousPeers = append(nopts.RendezvousPeers, p2pAddrStrings(opts.Rendezvous)...)
	node, err := node.Start(nopts)
	if err != nil {
		return err
	}
	defer node.Close()
	bar := newFetchProgress(s, opts.Ref)
	res, err := node.Fetch(ctx, fetch.Options{
		Ref: opts.Ref, VersionID: opts.VersionID, Target: opts.Output, Peers: opts.Peers, Announce: true,
		ResolveTimeout: opts.Timeout, StallTimeout: opts.Stall, Overwrite: opts.Overwrite, Select: opts.Select,
		Progress: func(p fetch.Progress) { s.fetchProgress(bar, p) },
	})
	bar.Done()
	if err != nil {
		return err
	}
	if err := s.out.result(res, func(w io.Writer) error { return printFetch(w, res) }); err != nil {
		return err
	}
	if !opts.Seed {
		return nil
	}
	if err := s.out.say(fetchEvent{Event: "seeding"},
		"seeding %s version %d from %s until interrupted (Ctrl-C)\n", res.Name, res.Version, res.Target); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// fetchThrough has the daemon fetch, within --max-download as well as the
// daemon's own limits, and seed the package afterwards whether or not
// --seed is given.
func fetchThrough(ctx context.Context, s *session, d *control.Client, opts fetchOptions) error {
	if opts.MaxUpload != 0 {
		s.log.Warn("a daemon runs for this home: it serves with its own --max-upload")
	}
	req := control.FetchRequest{Ref: opts.Ref, Timeout: opts.Timeout, MaxDownload: opts.MaxDownload, StallTimeout: opts.Stall,
		Overwrite: opts.Overwrite, Include: opts.Select.Include(), Exclude: opts.Select.Exclude()}
	if !opts.VersionID.IsZero() {
		req.VersionID = &opts.VersionID
	}
	// The daemon keeps its own rendezvous nodes and asks a ticket's when
	// those fail.
	req.Rendezvous = p2pAddrStrings(opts.Rendezvous)
	var err error
	if req.Dir, err = os.Getwd(); err != nil {
		return fmt.Errorf("fetch: working directory: %w", err)
	}
	req.Target = absOutput(req.Dir, opts.Output)
	for _, ai := range opts.Peers {
		addrs, err := peer.AddrInfoToP2pAddrs(&ai)
		if err != nil {
			return usageErrorf("--peer %s: %v", ai.ID, err)
		}
		for _, a := range addrs {
			req.Peers = append(req.Peers, a.String())
		}
	}
	bar := newFetchProgress(s, opts.Ref)
	res, err := d.Fetch(ctx, req, func(p fetch.Progress) { s.fetchProgress(bar, p) })
	bar.Done()
	var ce *control.Error
	if errors.As(err, &ce) && opts.Output != "" && !filepath.IsAbs(opts.Output) {
		ce.Msg = strings.ReplaceAll(ce.Msg, req.Target, opts.Output) // as the user typed it
	}
	if err != nil {
		return err
	}
	if err := s.out.result(res, func(w io.Writer) error { return printFetch(w, res) }); err != nil || !opts.Seed {
		return err
	}
	return s.out.say(fetchEvent{Event: "seeding"},
		"the daemon (p2psb serve) keeps seeding %s version %d from %s\n", res.Name, res.Version, res.Target)
}

func (s *session) fetchProgress(bar *terminalProgress, p fetch.Progress) {
	bar.SetTotalOnce(p.Total)
	desc := fmt.Sprintf("%s v%d  %s", p.Name, p.Version, count(p.Peers, "peer"))
	if p.Looking {
		desc = fmt.Sprintf("%s v%d  looking for peers", p.Name, p.Version)
	}
	bar.Set(p.Done, desc)
	if p.Looking != bar.looking {
		bar.looking = p.Looking
		if p.Looking {
			s.log.Warn("no peer in use holds the missing chunks; looking for peers", "package", p.Name, "version", p.Version)
		}
	}
	_ = s.out.event(fetchEvent{Event: "progress", Done: p.Done, Total: p.Total, Fetched: p.Fetched, Rate: p.Rate,
		Peers: p.Peers, Looking: p.Looking})
}

func printFetch(w io.Writer, res *fetch.Result) error {
	for _, warn := range res.Warnings {
		fmt.Fprintln(w, "warning:", warn)
	}
	if res.Already {
		_, err := fmt.Fprintf(w, "%s version %d is already complete in %s\n", res.Name, res.Version, res.Target)
		return err
	}
	what := fmt.Sprintf("%s version %d (%s)", res.Name, res.Version, humanBytes(res.Bytes))
	if res.Selected > 0 {
		what = fmt.Sprintf("%s of %s version %d (%s)", count(res.Selected, "file"), res.Name, res.Version,
			humanBytes(res.SelectedBytes))
	}
	_, err := fmt.Fprintf(w, "fetched %s into %s in %.1fs: %s from %s, %s copied locally\n", what, res.Target, res.Seconds,
		humanBytes(res.FetchedBytes), count(res.Peers, "peer"), humanBytes(res.LocalBytes))
	if err == nil && res.RelayedBytes > 0 {
		_, err = fmt.Fprintf(w, "%s of it came through a relay\n", humanBytes(res.RelayedBytes))
	}
	return err
}

// absOutput is -o DIR as the daemon takes it, absolute, relative to the
// client's working directory wd; "" when not given.
func absOutput(wd, output string) string {
	switch {
	case output == "":
		return ""
	case filepath.IsAbs(output):
		return filepath.Clean(output)
	}
	return filepath.Join(wd, output)
}

// tcpOnly keeps the TCP listen addresses (all of them when there is none).
func tcpOnly(addrs []string) []string {
	var out []string
	for _, a := range addrs {
		if strings.Contains(a, "/tcp/") {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return addrs
	}
	return out
}

var portRE = regexp.MustCompile(`/(tcp|udp)/[0-9]+`)

// ephemeralPorts replaces the ports of listen addresses with 0.
func ephemeralPorts(addrs []string) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = portRE.ReplaceAllString(a, "/$1/0")
	}
	return out
}
