package fetch

import (
	"context"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// defaultResolveTimeout bounds the search for a provider of a manifest.
const defaultResolveTimeout = time.Minute

// newestGrace is how long a fetch of the newest version waits for more
// answers after the first one, when some providers have not answered.
const newestGrace = time.Second

type manifestAnswer struct {
	from peer.AddrInfo
	s    *manifest.Sealed
	err  error
}

// resolve finds the version to fetch: version opts.Ref.Version from the
// first provider that has it, or the newest valid version any provider
// offers (waiting for the providers known by the first answer, at most
// newestGrace more). It returns the providers seen so far.
func resolve(ctx context.Context, n Env, opts Options, provs <-chan peer.AddrInfo) (*manifest.Sealed, []peer.AddrInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout(opts))
	defer cancel()
	answers := make(chan manifestAnswer)
	var seen []peer.AddrInfo
	var best *manifest.Sealed
	var grace <-chan time.Time
	var lastErr error
	pending := 0
	for {
		select {
		case ai, ok := <-provs:
			if !ok {
				provs = nil
				break
			}
			seen = append(seen, ai)
			pending++
			go askManifest(ctx, n, ai, opts, answers)
		case a := <-answers:
			pending--
			if a.err != nil {
				lastErr = a.err
				n.Log.Debug("provider has no manifest", "peer", a.from.ID, "err", a.err)
			} else if best == nil || a.s.Version > best.Version {
				best = a.s
			}
			if best != nil && grace == nil {
				grace = time.After(newestGrace)
			}
		case <-grace:
			return best, seen, nil
		case <-ctx.Done():
			if best != nil {
				return best, seen, nil
			}
			return nil, seen, noProvider(opts.Ref, len(seen), lastErr)
		}
		if best != nil && (opts.Ref.Version != 0 || pending == 0) {
			return best, seen, nil
		}
		if provs == nil && pending == 0 {
			return nil, seen, noProvider(opts.Ref, len(seen), lastErr)
		}
	}
}

func askManifest(ctx context.Context, n Env, ai peer.AddrInfo, opts Options, out chan<- manifestAnswer) {
	a := manifestAnswer{from: ai}
	if a.err = n.Host.Connect(ctx, ai); a.err == nil {
		if opts.VersionID.IsZero() {
			a.s, a.err = n.Fetcher.Manifest(ctx, ai.ID, opts.Ref)
		} else {
			a.s, a.err = n.Fetcher.ManifestByID(ctx, ai.ID, opts.VersionID)
		}
	}
	select {
	case out <- a:
	case <-ctx.Done():
	}
}

// resolveTimeout is Options.ResolveTimeout, or its default.
func resolveTimeout(opts Options) time.Duration {
	if opts.ResolveTimeout <= 0 {
		return defaultResolveTimeout
	}
	return opts.ResolveTimeout
}

// NoProviderError reports that no provider offered the version.
type NoProviderError struct {
	Ref   manifest.Ref
	Tried int
	Last  error
	// NoRendezvous is set when the node had no rendezvous to ask, which
	// is then the likely reason.
	NoRendezvous bool
}

func (e *NoProviderError) Error() string {
	if e.Tried == 0 && e.NoRendezvous {
		return fmt.Sprintf("no provider of %s found: no rendezvous is configured, so only buddies and known peers "+
			"were asked; name one with --rendezvous-peer MULTIADDR (or P2PSB_RENDEZVOUS_PEER, or rendezvous-peer "+
			"in the home's config.toml), or name a provider with --peer MULTIADDR", e.Ref)
	}
	if e.Tried == 0 {
		return fmt.Sprintf("no provider of %s found (is a seeder running and announced? try --peer)", e.Ref)
	}
	if e.Tried == 1 {
		return fmt.Sprintf("the one provider found did not offer %s (%v)", e.Ref, e.Last)
	}
	return fmt.Sprintf("none of the %d providers found offered %s (last: %v)", e.Tried, e.Ref, e.Last)
}

func (e *NoProviderError) Unwrap() error { return e.Last }

func noProvider(ref manifest.Ref, tried int, last error) error {
	return &NoProviderError{Ref: ref, Tried: tried, Last: last}
}
