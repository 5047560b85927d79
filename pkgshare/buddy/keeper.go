package buddy

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/peerstore"
	"github.com/p2psb/p2psb/rendezvous"
)

// Options tune a Keeper.
type Options struct {
	MinBackoff  time.Duration // wait after the first failed dial; doubled after each failure
	MaxBackoff  time.Duration // longest wait between dials of an unreachable buddy
	DialTimeout time.Duration // bound on each connection attempt
	Log         *slog.Logger
}

// DefaultOptions returns the settings serve uses.
func DefaultOptions() Options {
	return Options{MinBackoff: time.Second, MaxBackoff: 5 * time.Minute, DialTimeout: 15 * time.Second}
}

// Locator finds where a node is now; *rendezvous.Client is one.
type Locator interface {
	Locate(ctx context.Context, id peer.ID) (rendezvous.Found, error)
}

// State is what the keeper knows about one buddy.
type State struct {
	ID        peer.ID    `json:"id"`
	Alias     string     `json:"alias,omitempty"`
	Connected bool       `json:"connected"`
	Failures  int        `json:"failures"`             // failed dials since the last connection
	NextDial  *time.Time `json:"next_dial,omitempty"`  // when the next dial is due, while disconnected
	LastError string     `json:"last_error,omitempty"` // why the last dial failed
}

// buddy is the keeper's state of one buddy; guarded by Keeper.mu.
type buddy struct {
	alias    string
	failures int
	next     time.Time
	dialing  bool
	lastErr  error
}

// Keeper keeps the buddy list's nodes connected: it protects their
// connections from the connection manager, dials each buddy that is not
// connected, again with exponential backoff after failures and at once after
// a disconnection, and when the addresses it knows fail and a Locator is
// set, asks it where the buddy is now and dials the fresh addresses.
type Keeper struct {
	h    host.Host
	ps   *peerstore.Store
	loc  Locator // nil: no rendezvous
	opts Options
	nf   network.Notifiee

	mu      sync.Mutex
	buddies map[peer.ID]*buddy

	refresh chan chan struct{}
	kick    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	once    sync.Once
}

// New starts keeping the buddies of ps connected to h. loc may
// be nil. The caller closes the keeper.
func New(h host.Host, ps *peerstore.Store, loc Locator, opts Options) *Keeper {
	def := DefaultOptions()
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = def.MinBackoff
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(def.MaxBackoff, opts.MinBackoff)
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = def.DialTimeout
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	k := &Keeper{h: h, ps: ps, loc: loc, opts: opts, buddies: map[peer.ID]*buddy{},
		refresh: make(chan chan struct{}), kick: make(chan struct{}, 1), ctx: ctx, cancel: cancel}
	k.nf = &network.NotifyBundle{DisconnectedF: k.disconnected}
	h.Network().Notify(k.nf)
	if err := k.reload(); err != nil {
		opts.Log.Warn("read the buddy list", "err", err)
	}
	k.wg.Add(1)
	go k.run()
	return k
}

// Refresh makes the keeper read the buddy list again; call it after
// changing the list. When it returns, new buddies are protected (and
// being dialled) and removed ones have lost their protection.
func (k *Keeper) Refresh() {
	done := make(chan struct{})
	select {
	case k.refresh <- done:
	case <-k.ctx.Done():
		return
	}
	select {
	case <-done:
	case <-k.ctx.Done():
	}
}

// Close stops the keeper and waits for its dials. It is idempotent.
func (k *Keeper) Close() error {
	k.once.Do(func() {
		k.h.Network().StopNotify(k.nf)
		k.cancel()
		k.wg.Wait()
	})
	return nil
}

// States returns the state of every buddy, in no particular order.
func (k *Keeper) States() []State {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]State, 0, len(k.buddies))
	for id, b := range k.buddies {
		st := State{ID: id, Alias: b.alias, Failures: b.failures,
			Connected: k.h.Network().Connectedness(id) == network.Connected}
		if !st.Connected && !b.dialing {
			next := b.next
			st.NextDial = &next
		}
		if b.lastErr != nil {
			st.LastError = b.lastErr.Error()
		}
		out = append(out, st)
	}
	return out
}

func (k *Keeper) run() {
	defer k.wg.Done()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-k.ctx.Done():
			return
		case done := <-k.refresh:
			if err := k.reload(); err != nil {
				k.opts.Log.Warn("read the buddy list", "err", err)
			}
			close(done)
		case <-k.kick:
		case <-timer.C:
		}
		wait := k.dialDue(time.Now())
		timer.Stop()
		timer.Reset(wait)
	}
}

// reload syncs the keeper, and the connection manager's protection, with
// the buddy list.
func (k *Keeper) reload() error {
	list, err := k.ps.Buddies()
	if err != nil {
		return err
	}
	cm := k.h.ConnManager()
	k.mu.Lock()
	defer k.mu.Unlock()
	seen := make(map[peer.ID]bool, len(list))
	for _, b := range list {
		seen[b.ID] = true
		cm.Protect(b.ID, peerstore.BuddyTag)
		if cur, ok := k.buddies[b.ID]; ok {
			cur.alias = b.Alias
			continue
		}
		k.buddies[b.ID] = &buddy{alias: b.Alias, next: time.Now()}
	}
	for id := range k.buddies {
		if !seen[id] {
			cm.Unprotect(id, peerstore.BuddyTag)
			delete(k.buddies, id)
		}
	}
	return nil
}
