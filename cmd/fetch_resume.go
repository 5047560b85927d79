package cmd

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/control"
	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/home"
)

// resumeHint adds to the error of a fetch that ran out of sources the
// command that resumes it.
func (s *session) resumeHint(err error, opts fetchOptions) error {
	var re *fetch.ResumableError
	var ce *control.Error
	var r fetch.Resume
	switch {
	case errors.As(err, &re):
		r = re.Resume
	case errors.As(err, &ce) && ce.Resume != nil:
		r = *ce.Resume
	default:
		return err
	}
	return fmt.Errorf("%w\nresume with: %s", err, s.resumeCommand(r, opts))
}

// resumeCommand is the command line that fetches r again with this
// session's home and config and the fetch's own peers.
func (s *session) resumeCommand(r fetch.Resume, opts fetchOptions) string {
	args := []string{"p2psb"}
	if def, err := home.DefaultDir(); err != nil || def != s.home.Dir {
		args = append(args, "--home", s.home.Dir)
	}
	if s.g.Config != "" {
		cfg, err := filepath.Abs(s.g.Config)
		if err != nil {
			cfg = s.g.Config
		}
		args = append(args, "--config", cfg)
	}
	args = append(args, "fetch", r.Ref.String(), "-o", r.Target)
	for _, ai := range opts.Peers {
		addrs, err := peer.AddrInfoToP2pAddrs(&ai)
		if err != nil {
			continue
		}
		for _, a := range addrs {
			args = append(args, "--peer", a.String())
		}
	}
	for _, g := range opts.Select.Include() {
		args = append(args, "--include", g)
	}
	for _, g := range opts.Select.Exclude() {
		args = append(args, "--exclude", g)
	}
	for i, a := range args {
		args[i] = shellQuote(a)
	}
	return strings.Join(args, " ")
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellQuote quotes s for a POSIX shell unless it needs none.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
