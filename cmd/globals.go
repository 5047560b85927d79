package cmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/p2psb/p2psb/peerstore"
	"github.com/p2psb/p2psb/pkgshare/home"
)

// globals are the settings every command shares. Each is read, in order of
// precedence, from the command line (before or after the command name), a
// P2PSB_* environment variable, the TOML config file, and a default.
type globals struct {
	Home           string
	Config         string
	JSON           bool
	LogLevel       string
	LogFormat      string
	Listen         []string
	RendezvousPeer []string
	NoMDNS         bool
	DHT            string

	cfg altsrc.InputSourceContext // the config file; nil when there is none
}

// globalSpec describes one global flag once; globalFlags turns the specs into
// fresh cli.Flag values for every command that accepts them.
type globalSpec struct {
	name  string
	usage string
	kind  string // "string", "bool" or "list"
}

var globalSpecs = []globalSpec{
	{"home", "node home `DIR` (default $XDG_DATA_HOME/p2psb, else ~/.p2psb)", "string"},
	{"config", "TOML config `FILE` (default <home>/config.toml); its key home names the home", "string"},
	{"json", "print machine-readable JSON on stdout", "bool"},
	{"log-level", "log `LEVEL` on stderr: debug, info, warn or error (default warn)", "string"},
	{"log-format", "write logs as `FORMAT`: text (key=value) or json (one object a line) (default text)", "string"},
	{"listen", "listen on `MULTIADDR` (repeatable)", "list"},
	{"rendezvous-peer", "use the rendezvous node at `MULTIADDR` (repeatable)", "list"},
	{"no-mdns", "do not announce this node or look for peers on the local network with mDNS (serve, fetch)", "bool"},
	{"dht", "take part in p2psb's DHT as `MODE`: auto (answer queries once reachable from the internet), server, client or off (default auto)", "string"},
}

// defaultListen are the listen addresses of a node that configures none.
var defaultListen = []string{"/ip4/0.0.0.0/tcp/4747", "/ip4/0.0.0.0/udp/4747/quic-v1"}

func envName(flag string) string {
	return "P2PSB_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

func globalFlags() []cli.Flag {
	flags := make([]cli.Flag, 0, len(globalSpecs))
	for _, s := range globalSpecs {
		usage := s.usage + " [$" + envName(s.name) + "]"
		switch s.kind {
		case "bool":
			flags = append(flags, &cli.BoolFlag{Name: s.name, Usage: usage})
		case "list":
			flags = append(flags, &cli.StringSliceFlag{Name: s.name, Usage: usage})
		default:
			flags = append(flags, &cli.StringFlag{Name: s.name, Usage: usage})
		}
	}
	return flags
}

// withGlobalFlags adds the global flags to cmds and all their subcommands,
// so that they are accepted after the command name too, and makes their
// usage errors exit with the bad-usage code. Their help lists them only once, in p2psb --help, and shows examples.
func withGlobalFlags(cmds []*cli.Command) []*cli.Command {
	return withGlobalFlagsUnder("", cmds, commandExamples())
}

func withGlobalFlagsUnder(parent string, cmds []*cli.Command, examples map[string][]string) []*cli.Command {
	for _, c := range cmds {
		name := strings.TrimSpace(parent + " " + c.Name)
		c.Flags = append(c.Flags, hidden(globalFlags())...)
		c.OnUsageError = onUsageError
		c.CustomHelpTemplate = helpTemplate(c, examples[name])
		withGlobalFlagsUnder(name, c.Subcommands, examples)
	}
	return cmds
}

// hidden hides flags from help (they are still accepted).
func hidden(flags []cli.Flag) []cli.Flag {
	for _, f := range flags {
		switch f := f.(type) {
		case *cli.BoolFlag:
			f.Hidden = true
		case *cli.StringFlag:
			f.Hidden = true
		case *cli.StringSliceFlag:
			f.Hidden = true
		}
	}
	return flags
}

func onUsageError(_ *cli.Context, err error, _ bool) error {
	return usageErrorf("%v (see --help)", err)
}

// explicit returns the raw value of a flag given on the command line at
// the innermost level that has it.
func explicit(c *cli.Context, name string) (any, bool) {
	for _, ctx := range c.Lineage() {
		for _, n := range ctx.LocalFlagNames() {
			if n != name {
				continue
			}
			if spec(name).kind == "list" {
				return ctx.StringSlice(name), true
			}
			return ctx.Value(name), true
		}
	}
	return nil, false
}

func spec(name string) globalSpec {
	for _, s := range globalSpecs {
		if s.name == name {
			return s
		}
	}
	panic("no global flag " + name)
}

// loadGlobals resolves the global settings for the running command.
func loadGlobals(c *cli.Context) (*globals, error) {
	g := &globals{}
	cfg, err := g.loadHomeAndConfig(c)
	if err != nil {
		return nil, err
	}
	g.cfg = cfg
	if g.LogLevel, err = lookupString(c, "log-level", cfg, "warn"); err != nil {
		return nil, err
	}
	if g.LogFormat, err = lookupString(c, "log-format", cfg, "text"); err != nil {
		return nil, err
	}
	if g.JSON, err = lookupBool(c, "json", cfg); err != nil {
		return nil, err
	}
	if g.NoMDNS, err = lookupBool(c, "no-mdns", cfg); err != nil {
		return nil, err
	}
	if g.DHT, err = lookupString(c, "dht", cfg, "auto"); err != nil {
		return nil, err
	}
	if g.Listen, err = lookupList(c, "listen", cfg, defaultListen); err != nil {
		return nil, err
	}
	if g.RendezvousPeer, err = lookupList(c, "rendezvous-peer", cfg, nil); err != nil {
		return nil, err
	}
	return g, nil
}

// loadHomeAndConfig resolves the home and reads the config file. A config
// file given with --config (or P2PSB_CONFIG) may name the home (key home,
// relative to the file's directory, or under ~/), below --home and
// P2PSB_HOME; the default config file, inside the home, may not name
// another.
func (g *globals) loadHomeAndConfig(c *cli.Context) (altsrc.InputSourceContext, error) {
	var cfg altsrc.InputSourceContext
	var err error
	// Without a config source, lookupString cannot fail.
	g.Config, _ = lookupString(c, "config", nil, "")
	if g.Config != "" {
		if cfg, err = loadConfig(g.Config, ""); err != nil {
			return nil, err
		}
	}
	g.Home, _ = lookupString(c, "home", nil, "")
	if g.Home == "" && cfg != nil {
		if g.Home, err = configHome(cfg); err != nil {
			return nil, err
		}
	}
	if g.Home == "" {
		if g.Home, err = home.DefaultDir(); err != nil {
			return nil, err
		}
	}
	if cfg != nil {
		return cfg, nil
	}
	if cfg, err = loadConfig("", g.Home); err != nil || cfg == nil {
		return cfg, err
	}
	named, err := configHome(cfg)
	if err != nil {
		return nil, err
	}
	if named != "" && !sameDir(named, g.Home) {
		return nil, usageErrorf("config file %s: key \"home\" names %s, but only a config file given with --config may name the home",
			cfg.Source(), named)
	}
	return cfg, nil
}

// configHome is the home a config file names ("" for none): ~/ is the
// user's home directory, and a relative path is relative to the file.
func configHome(cfg altsrc.InputSourceContext) (string, error) {
	h, err := cfg.String("home")
	if err != nil {
		return "", usageErrorf("config file %s: key \"home\": %v", cfg.Source(), err)
	}
	switch {
	case h == "":
		return "", nil
	case h == "~" || strings.HasPrefix(h, "~/"):
		user, err := os.UserHomeDir()
		if err != nil {
			return "", usageErrorf("config file %s: key \"home\" %q: %v", cfg.Source(), h, err)
		}
		return filepath.Join(user, strings.TrimPrefix(h, "~")), nil
	case filepath.IsAbs(h):
		return filepath.Clean(h), nil
	}
	return filepath.Join(filepath.Dir(cfg.Source()), h), nil
}

// sameDir reports whether a and b are the same path once made absolute.
func sameDir(a, b string) bool {
	x, errA := filepath.Abs(a)
	y, errB := filepath.Abs(b)
	return errA == nil && errB == nil && x == y
}

// loadConfig reads the config file: the given one, which must exist, or
// <home>/config.toml if that exists. It returns nil when there is none.
func loadConfig(path, homeDir string) (altsrc.InputSourceContext, error) {
	required := path != ""
	if !required {
		path = homeDir + string(os.PathSeparator) + home.ConfigFile
	}
	if _, err := os.Stat(path); err != nil {
		if !required && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)) {
			// No config; a home that is not a directory is reported when opened.
			return nil, nil
		}
		return nil, usageErrorf("config file %s: %v", path, err)
	}
	if err := checkConfig(path); err != nil {
		return nil, err
	}
	src, err := altsrc.NewTomlSourceFromFile(path)
	if err != nil {
		return nil, usageErrorf("config file %s: %v", path, err)
	}
	return src, nil
}

func lookupString(c *cli.Context, name string, cfg altsrc.InputSourceContext, def string) (string, error) {
	if v, ok := explicit(c, name); ok {
		return fmt.Sprint(v), nil
	}
	if v := os.Getenv(envName(name)); v != "" {
		return v, nil
	}
	if cfg == nil {
		return def, nil
	}
	var v any
	var err error
	if spec(name).kind == "bool" {
		var b bool
		b, err = cfg.Bool(name)
		v = b
		if err == nil && !b {
			return def, nil
		}
	} else {
		var s string
		s, err = cfg.String(name)
		v = s
		if err == nil && s == "" {
			return def, nil
		}
	}
	if err != nil {
		return "", usageErrorf("config file %s: key %q: %v", cfg.Source(), name, err)
	}
	return fmt.Sprint(v), nil
}

// lookupBool resolves a boolean setting (default false).
func lookupBool(c *cli.Context, name string, cfg altsrc.InputSourceContext) (bool, error) {
	v, err := lookupString(c, name, cfg, "false")
	if err != nil {
		return false, err
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, usageErrorf("--%s: %q is not true or false", name, v)
	}
	return b, nil
}

func lookupList(c *cli.Context, name string, cfg altsrc.InputSourceContext, def []string) ([]string, error) {
	if v, ok := explicit(c, name); ok {
		return v.([]string), nil
	}
	if v := os.Getenv(envName(name)); v != "" {
		return splitList(v), nil
	}
	if cfg == nil {
		return def, nil
	}
	v, err := cfg.StringSlice(name)
	if err != nil {
		return nil, usageErrorf("config file %s: key %q: %v", cfg.Source(), name, err)
	}
	if len(v) == 0 {
		return def, nil
	}
	return v, nil
}

// configDuration resolves a command's duration flag that is also a config
// key of the same name: from the command line or the flag's P2PSB_*
// variable, else the config file, else the flag's default.
func (g *globals) configDuration(c *cli.Context, name string) (time.Duration, error) {
	d := c.Duration(name)
	if !c.IsSet(name) && g.cfg != nil {
		v, err := g.cfg.Duration(name)
		if err != nil {
			return 0, usageErrorf("config file %s: key %q: %v", g.cfg.Source(), name, err)
		}
		if v != 0 {
			d = v
		}
	}
	if d < 0 {
		return 0, usageErrorf("--%s %v: must not be negative", name, d)
	}
	return d, nil
}

// peerstoreOptions are the peerstore's defaults with what the config file
// sets (peerstore-cache-size, peerstore-max-peers, peerstore-gc-interval;
// checkConfig has checked their types).
func (g *globals) peerstoreOptions() (*peerstore.Options, error) {
	o := peerstore.DefaultOptions()
	if g.cfg == nil {
		return &o, nil
	}
	for key, n := range map[string]*int{"peerstore-cache-size": &o.CacheSize, "peerstore-max-peers": &o.MaxPeers} {
		v, err := g.cfg.Int(key)
		if err != nil {
			return nil, usageErrorf("config file %s: key %q: %v", g.cfg.Source(), key, err)
		}
		if v > 0 {
			*n = v
		}
	}
	d, err := g.cfg.Duration("peerstore-gc-interval")
	if err != nil {
		return nil, usageErrorf("config file %s: key %q: %v", g.cfg.Source(), "peerstore-gc-interval", err)
	}
	if d > 0 {
		o.GCInterval = d
	}
	return &o, nil
}

// splitList splits an environment value on commas and white space.
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
}
