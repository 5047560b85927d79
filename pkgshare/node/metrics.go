package node

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/p2psb/p2psb/pkgshare/fetch"
)

// metrics are the node's own Prometheus metrics, p2psb_*: what it served
// and fetched, its fetches and the bad chunks peers sent. They are
// registered nowhere until Collectors is (serve --metrics); libp2p's own
// (resource manager, swarm, identify, relay) register themselves with
// prometheus.DefaultRegisterer.
type metrics struct {
	fetchedBytes prometheus.Counter
	localBytes   prometheus.Counter
	fetches      *prometheus.CounterVec // by result
	fetchSeconds prometheus.Histogram
	badChunks    *prometheus.CounterVec // by peer
	addr         atomic.Pointer[string] // where serve serves them
}

func newMetrics() *metrics {
	return &metrics{
		fetchedBytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "p2psb_fetch_bytes_total",
			Help: "Chunk bytes fetched from peers and verified."}),
		localBytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "p2psb_fetch_local_bytes_total",
			Help: "Chunk bytes a fetch copied from local files instead of fetching."}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "p2psb_fetches_total",
			Help: "Fetches finished, by result (ok or failed)."}, []string{"result"}),
		fetchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "p2psb_fetch_duration_seconds",
			Help: "How long fetches took, successful or not.", Buckets: prometheus.ExponentialBuckets(0.1, 4, 8)}),
		badChunks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "p2psb_bad_chunks_total",
			Help: "Peers dropped from a fetch for a chunk that failed verification, by peer."}, []string{"peer"}),
	}
}

// Collectors are the node's p2psb_* metrics, for a prometheus registry.
func (n *Node) Collectors() []prometheus.Collector {
	m := n.metrics
	return []prometheus.Collector{m.fetchedBytes, m.localBytes, m.fetches, m.fetchSeconds, m.badChunks,
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "p2psb_served_bytes_total",
			Help: "Chunk bytes the transfer server sent."}, func() float64 { return float64(n.Xfer.Sent()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "p2psb_transfers",
			Help: "Fetches in progress."}, func() float64 { return float64(len(n.Seeder.Transfers())) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "p2psb_announced_namespaces",
			Help: "Rendezvous namespaces the node registers in."}, func() float64 { return float64(len(n.announcedNamespaces())) }),
		rendezvousCollector{n},
	}
}

// rendezvousCollector reports a rendezvous node's registrations and, for
// each backbone peer, how long ago a catch-up from it last succeeded.
type rendezvousCollector struct{ n *Node }

var (
	registrationsDesc = prometheus.NewDesc("p2psb_rendezvous_registrations",
		"Registrations the rendezvous node holds, live or expired but not yet collected.", nil, nil)
	backboneLagDesc = prometheus.NewDesc("p2psb_rendezvous_backbone_lag_seconds",
		"Seconds since the last successful catch-up from each backbone peer (since the node started, if none).",
		[]string{"peer", "state"}, nil)
)

func (c rendezvousCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- registrationsDesc
	ch <- backboneLagDesc
}

func (c rendezvousCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.n.Server
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(c.n.ctx, 5*time.Second)
	defer cancel()
	if regs, err := s.Registrations(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(registrationsDesc, prometheus.GaugeValue, float64(regs))
	}
	for _, b := range s.Backbone() {
		since := c.n.started
		if !b.CaughtUp.IsZero() {
			since = b.CaughtUp
		}
		ch <- prometheus.MustNewConstMetric(backboneLagDesc, prometheus.GaugeValue, time.Since(since).Seconds(),
			b.ID.String(), b.State)
	}
}

// ServingMetrics records where the node's metrics are served (Status).
func (n *Node) ServingMetrics(addr string) { n.metrics.addr.Store(&addr) }

func (m *metrics) servedAt() string {
	if a := m.addr.Load(); a != nil {
		return *a
	}
	return ""
}

// fetched counts a finished fetch.
func (m *metrics) fetched(start time.Time, res *fetch.Result, err error) {
	m.fetchSeconds.Observe(time.Since(start).Seconds())
	if res != nil {
		m.fetchedBytes.Add(float64(res.FetchedBytes))
		m.localBytes.Add(float64(res.LocalBytes))
	}
	result := "ok"
	if err != nil {
		result = "failed"
	}
	m.fetches.WithLabelValues(result).Inc()
}

// badChunk counts a peer dropped for a bad chunk.
func (m *metrics) badChunk(p peer.ID) { m.badChunks.WithLabelValues(p.String()).Inc() }
