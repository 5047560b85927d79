package cmd

import (
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/p2psb/p2psb/pkgshare"
	"github.com/p2psb/p2psb/pkgshare/home"
)

// env is the process's standard streams, so tests can run the app in
// process.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// terminal reports whether w is a terminal (progress bars only go there).
func terminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// session is what a running command works with: its resolved global
// settings, its home, the printer and the logger.
type session struct {
	env  *env
	g    *globals
	home *home.Home
	out  *printer
	log  *slog.Logger
}

// openSession resolves the global flags, sets up logging and opens the home
// directory. The caller closes the session.
func openSession(c *cli.Context, e *env) (*session, error) {
	g, err := loadGlobals(c)
	if err != nil {
		return nil, err
	}
	level, err := parseLevel(g.LogLevel)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)
	h, err := home.Open(g.Home)
	if err != nil {
		return nil, err
	}
	return &session{env: e, g: g, home: h, out: &printer{w: e.stdout, json: g.JSON}, log: log}, nil
}

func (s *session) Close() error { return s.home.Close() }

// library opens the package library in the home's database.
func (s *session) library() (*pkgshare.Library, error) {
	db, err := s.home.DB()
	if err != nil {
		return nil, err
	}
	return pkgshare.NewLibrary(db)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return 0, usageErrorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}
