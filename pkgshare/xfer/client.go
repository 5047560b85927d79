package xfer

import (
	"context"
	"fmt"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer/pb"
)

// Fetcher is the client side of the protocol: one-shot requests
// (Manifest, ManifestByID, Have) and multi-peer fetches (Fetch). It holds
// no goroutines of its own; one Fetcher may run many fetches at once, and
// they share its download limit.
type Fetcher struct {
	h   host.Host
	cfg config
}

// NewFetcher returns a Fetcher using h. Options: WithDownloadLimit,
// WithRequestTimeout, WithMaxPeers, WithWindow, WithProgressInterval,
// WithDirectWait, WithLogger.
func NewFetcher(h host.Host, opts ...Option) (*Fetcher, error) {
	cfg, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	if _, _, err := codecs(); err != nil {
		return nil, err
	}
	return &Fetcher{h: h, cfg: cfg}, nil
}

// open starts a stream to p and sends its request. The stream is reset
// when ctx ends; call the returned stop before finishing it. A chunk
// stream runs on a connection that may carry data (openChunkStream);
// the others may run on a limited, relayed one (see path.go).
func (f *Fetcher) open(ctx context.Context, p peer.ID, req *pb.Request) (*wire, func() bool, error) {
	var s network.Stream
	var err error
	if _, chunks := req.Kind.(*pb.Request_GetChunks); chunks {
		s, err = f.openChunkStream(ctx, p)
	} else {
		s, err = f.h.NewStream(allowLimited(ctx), p, ProtocolID)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("open stream to %s: %w", p, err)
	}
	c := newWire(s, f.cfg.requestTimeout)
	stop := context.AfterFunc(ctx, func() { _ = s.Reset() })
	if err := c.send(req); err != nil {
		stop()
		c.finish(err)
		return nil, nil, fmt.Errorf("send request to %s: %w", p, err)
	}
	return c, stop, nil
}

// Manifest asks p for version ref.Version of package ref.ID (the newest p
// has when ref.Version is 0). The answer is opened with manifest.Open and
// must be of that package (and version): otherwise the error wraps
// ErrBadPeer.
func (f *Fetcher) Manifest(ctx context.Context, p peer.ID, ref manifest.Ref) (*manifest.Sealed, error) {
	q := &pb.GetManifest{PackageId: ref.ID[:], Version: ref.Version}
	s, err := f.getManifest(ctx, p, q)
	if err != nil {
		return nil, err
	}
	if s.PackageID != ref.ID || (ref.Version != 0 && s.Version != ref.Version) {
		return nil, fmt.Errorf("%w: %s answered %s@%d for %s@%d", ErrBadPeer, p, s.PackageID, s.Version, ref.ID, ref.Version)
	}
	return s, nil
}

// ManifestByID asks p for the version named id; the answer must hash to
// id, otherwise the error wraps ErrBadPeer.
func (f *Fetcher) ManifestByID(ctx context.Context, p peer.ID, id manifest.VersionID) (*manifest.Sealed, error) {
	s, err := f.getManifest(ctx, p, &pb.GetManifest{VersionId: id[:]})
	if err != nil {
		return nil, err
	}
	if s.ID != id {
		return nil, fmt.Errorf("%w: %s answered version %s for %s", ErrBadPeer, p, s.ID, id)
	}
	return s, nil
}

func (f *Fetcher) getManifest(ctx context.Context, p peer.ID, q *pb.GetManifest) (_ *manifest.Sealed, err error) {
	c, stop, err := f.open(ctx, p, &pb.Request{Kind: &pb.Request_GetManifest{GetManifest: q}})
	if err != nil {
		return nil, err
	}
	defer func() { stop(); c.finish(err) }()
	return readManifest(c)
}

// readManifest reads a ManifestResponse and opens (verifies) the manifest.
func readManifest(c *wire) (*manifest.Sealed, error) {
	p := c.s.Conn().RemotePeer()
	var resp pb.ManifestResponse
	if err := c.read(&resp, maxManifestMsg); err != nil {
		return nil, fmt.Errorf("manifest from %s: %w", p, err)
	}
	if err := errorOf(resp.Status, resp.Message); err != nil {
		return nil, fmt.Errorf("manifest from %s: %w", p, err)
	}
	s, err := manifest.Open(resp.Manifest)
	if err != nil {
		return nil, fmt.Errorf("%w: manifest from %s: %w", ErrBadPeer, p, err)
	}
	return s, nil
}

// Have asks p which distinct chunks of version id (of count chunks) it
// holds.
func (f *Fetcher) Have(ctx context.Context, p peer.ID, id manifest.VersionID, count int) (_ *Bitfield, err error) {
	c, stop, err := f.open(ctx, p, &pb.Request{Kind: &pb.Request_GetHave{GetHave: &pb.GetHave{VersionId: id[:]}}})
	if err != nil {
		return nil, err
	}
	defer func() { stop(); c.finish(err) }()
	return readHave(c, count)
}

// readHave reads a HaveResponse for a version of count distinct chunks.
func readHave(c *wire, count int) (*Bitfield, error) {
	var resp pb.HaveResponse
	if err := c.read(&resp, maxControlMsg); err != nil {
		return nil, fmt.Errorf("have-set from %s: %w", c.s.Conn().RemotePeer(), err)
	}
	if err := errorOf(resp.Status, resp.Message); err != nil {
		return nil, fmt.Errorf("have-set from %s: %w", c.s.Conn().RemotePeer(), err)
	}
	if int(resp.Count) != count {
		return nil, fmt.Errorf("%w: have-set of %d chunks, want %d", ErrBadPeer, resp.Count, count)
	}
	return ParseBitfield(count, resp.Bitfield)
}
