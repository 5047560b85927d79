package node

import (
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
)

// maxObserved bounds how many observed addresses a node remembers.
const maxObserved = 16

// observedAddrs remembers the addresses peers (rendezvous nodes first of
// all) saw us connect from, as identify reports them: how a node behind a
// NAT learns its external address.
type observedAddrs struct {
	mu    sync.Mutex
	addrs map[string]time.Time
}

// track follows identify events until done is closed.
func (o *observedAddrs) track(h host.Host, done <-chan struct{}) (func(), error) {
	o.addrs = map[string]time.Time{}
	return watchEvents(h, new(event.EvtPeerIdentificationCompleted), done, func(e any) {
		if a := e.(event.EvtPeerIdentificationCompleted).ObservedAddr; a != nil {
			o.add(a.String())
		}
	})
}

// watchEvents calls handle, on a goroutine of its own, with every event of the
// types (as for event.Bus.Subscribe) the host emits, until done is closed
// or the returned stop is called; stop waits for handle to return.
func watchEvents(h host.Host, types any, done <-chan struct{}, handle func(any)) (stop func(), err error) {
	sub, err := h.EventBus().Subscribe(types)
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case e, ok := <-sub.Out():
				if !ok {
					return
				}
				handle(e)
			}
		}
	})
	return func() { sub.Close(); wg.Wait() }, nil
}

func (o *observedAddrs) add(a string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.addrs[a] = time.Now()
	for len(o.addrs) > maxObserved {
		oldest, when := "", time.Time{}
		for k, t := range o.addrs {
			if oldest == "" || t.Before(when) {
				oldest, when = k, t
			}
		}
		delete(o.addrs, oldest)
	}
}

// list returns the observed addresses, sorted.
func (o *observedAddrs) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]string, 0, len(o.addrs))
	for a := range o.addrs {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}
