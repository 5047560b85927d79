package catalog

import (
	"errors"
	"log/slog"
	"time"
)

// Option configures a Service.
type Option func(*config) error

type config struct {
	log         *slog.Logger
	timeout     time.Duration
	pageCount   int
	pageBytes   int
	maxPackages int
	maxBytes    int64
}

func defaultConfig() config {
	return config{
		log:         slog.Default(),
		timeout:     30 * time.Second,
		pageCount:   256,
		pageBytes:   8 << 20,
		maxPackages: 10000,
		maxBytes:    256 << 20,
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
			return errors.New("catalog: nil logger")
		}
		c.log = l
		return nil
	}
}

// WithTimeout bounds every stream, served or asked for (default 30 s).
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("catalog: timeout must be positive")
		}
		c.timeout = d
		return nil
	}
}

// WithPage sets the most manifests (default 256) and about the most bytes
// (default 8 MiB; one manifest always fits) the server puts on a page.
func WithPage(count, bytes int) Option {
	return func(c *config) error {
		if count <= 0 || bytes <= 0 {
			return errors.New("catalog: page count and bytes must be positive")
		}
		c.pageCount, c.pageBytes = count, bytes
		return nil
	}
}

// WithLimits sets how many manifests (default 10000) and how many bytes of
// them (default 256 MiB) List accepts from one peer before it stops.
func WithLimits(packages int, bytes int64) Option {
	return func(c *config) error {
		if packages <= 0 || bytes <= 0 {
			return errors.New("catalog: limits must be positive")
		}
		c.maxPackages, c.maxBytes = packages, bytes
		return nil
	}
}
