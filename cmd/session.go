package cmd

import (
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/p2psb/p2psb/pkgshare/control"
	"github.com/p2psb/p2psb/pkgshare/home"
	"github.com/p2psb/p2psb/pkgshare/library"
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

	daemons []*control.Client // clients of the home's daemon, closed with the session
}

// openSession resolves the global flags, sets up logging and opens the home
// directory. The caller closes the session.
func openSession(c *cli.Context, e *env) (*session, error) {
	s, err := homelessSession(c, e)
	if err != nil {
		return nil, err
	}
	slog.SetDefault(s.log)
	if s.home, err = home.Open(s.g.Home); err != nil {
		return nil, err
	}
	return s, nil
}

// homelessSession resolves the settings and sets up output and logging
// without opening (or creating) the home directory: for commands, like
// demo, that use temporary homes of their own.
func homelessSession(c *cli.Context, e *env) (*session, error) {
	g, err := loadGlobals(c)
	if err != nil {
		return nil, err
	}
	h, err := logHandler(e.stderr, g.LogLevel, g.LogFormat)
	if err != nil {
		return nil, err
	}
	log := slog.New(h)
	return &session{env: e, g: g, out: &printer{w: e.stdout, json: g.JSON}, log: log}, nil
}

func (s *session) Close() error {
	for _, d := range s.daemons {
		d.Close()
	}
	if s.home == nil {
		return nil
	}
	return s.home.Close()
}

// library opens the package library in the home's database.
func (s *session) library() (*library.Library, error) {
	db, err := s.home.DB()
	if err != nil {
		return nil, err
	}
	return library.New(db)
}

// logHandler writes logs of level and above to w in format (text or
// json).
func logHandler(w io.Writer, level, format string) (slog.Handler, error) {
	l, err := parseLevel(level)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.NewTextHandler(w, opts), nil
	case "json":
		return slog.NewJSONHandler(w, opts), nil
	}
	return nil, usageErrorf("--log-format %q: want text or json", format)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return 0, usageErrorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}
