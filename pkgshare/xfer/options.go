package xfer

import (
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"golang.org/x/time/rate"
)

// Option configures a Server or a Fetcher; options that do not concern
// one of them are ignored by it.
type Option func(*config) error

type config struct {
	log              *slog.Logger
	upload           *rate.Limiter // nil: unlimited
	download         *rate.Limiter // nil: unlimited
	requestTimeout   time.Duration
	idleTimeout      time.Duration
	maxPeers         int
	minWindow        int
	maxWindow        int
	verifyWorkers    int
	progressInterval time.Duration
	directWait       time.Duration
}

func defaultConfig() config {
	return config{
		log:              slog.Default(),
		requestTimeout:   20 * time.Second,
		idleTimeout:      time.Minute,
		maxPeers:         32,
		minWindow:        2,
		maxWindow:        64,
		verifyWorkers:    runtime.GOMAXPROCS(0),
		progressInterval: 250 * time.Millisecond,
		directWait:       15 * time.Second,
	}
}

func applyOptions(opts []Option) (config, error) {
	c := defaultConfig()
	for _, o := range opts {
		if err := o(&c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// WithLogger sets the slog logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return fmt.Errorf("xfer: nil logger")
		}
		c.log = l
		return nil
	}
}

// WithUploadLimit caps the chunk bytes a Server sends per second over all
// its streams; 0 means unlimited.
func WithUploadLimit(bytesPerSecond int) Option {
	return func(c *config) error {
		l, err := limiter(bytesPerSecond)
		c.upload = l
		return err
	}
}

// WithDownloadLimit caps the chunk bytes a Fetcher reads per second over
// all its fetches; 0 means unlimited.
func WithDownloadLimit(bytesPerSecond int) Option {
	return func(c *config) error {
		l, err := limiter(bytesPerSecond)
		c.download = l
		return err
	}
}

// NewDownloadLimit returns a limiter for Job.Download that lets
// bytesPerSecond through; nil (no limit) for 0.
func NewDownloadLimit(bytesPerSecond int) (*rate.Limiter, error) { return limiter(bytesPerSecond) }

func limiter(bytesPerSecond int) (*rate.Limiter, error) {
	switch {
	case bytesPerSecond < 0:
		return nil, fmt.Errorf("xfer: negative rate limit %d", bytesPerSecond)
	case bytesPerSecond == 0:
		return nil, nil
	}
	return rate.NewLimiter(rate.Limit(bytesPerSecond), pieceSize), nil
}

// WithRequestTimeout sets how long a peer may send nothing while requests
// to it are outstanding before its stream is reset and its requests go
// elsewhere (Fetcher; default 20s). It also bounds one-shot requests.
func WithRequestTimeout(d time.Duration) Option {
	return positive("request timeout", d, func(c *config) { c.requestTimeout = d })
}

// WithIdleTimeout sets how long a served stream may move nothing before it
// is reset (Server; default 1m). HAVE subscriptions send a heartbeat every
// third of it.
func WithIdleTimeout(d time.Duration) Option {
	return positive("idle timeout", d, func(c *config) { c.idleTimeout = d })
}

// WithMaxPeers bounds the providers one fetch uses at once (default 32).
func WithMaxPeers(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("xfer: max peers %d must be at least 1", n)
		}
		c.maxPeers = n
		return nil
	}
}

// WithWindow bounds the chunk requests in flight to one peer (defaults 2
// and 64); between the bounds the window follows the peer's measured
// throughput.
func WithWindow(lo, hi int) Option {
	return func(c *config) error {
		if lo < 1 || hi < lo || hi > 1024 {
			return fmt.Errorf("xfer: bad window bounds %d..%d", lo, hi)
		}
		c.minWindow, c.maxWindow = lo, hi
		return nil
	}
}

// WithProgressInterval sets how often a fetch reports Progress (default
// 250ms).
func WithProgressInterval(d time.Duration) Option {
	return positive("progress interval", d, func(c *config) { c.progressInterval = d })
}

// WithDirectWait sets how long a chunk stream to a peer reached only
// through a relay waits for hole punching to make a direct connection
// (Fetcher; default 15s; see NoDirectPathError).
func WithDirectWait(d time.Duration) Option {
	return positive("direct wait", d, func(c *config) { c.directWait = d })
}

// positive is an Option setting a duration that must be positive.
func positive(what string, d time.Duration, set func(*config)) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("xfer: %s %v must be positive", what, d)
		}
		set(c)
		return nil
	}
}
