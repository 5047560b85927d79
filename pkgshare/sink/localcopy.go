package sink

import (
	"context"
	"slices"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// PlanLocal returns the distinct chunks k lacks (of the files it takes)
// that a complete version in
// the library holds (an older version of the package, another package),
// and holds back k's finished files until Release, so an upgrade in place
// reads the old files before any is replaced.
func (k *Sink) PlanLocal(ctx context.Context) ([]int, error) {
	k.mu.Lock()
	k.hold = true
	var missing []int
	var hashes []manifest.ChunkHash
	for i, c := range k.chunks {
		if !k.have.Has(i) && (k.skip == nil || !k.skip.Has(i)) {
			missing = append(missing, i)
			hashes = append(hashes, c.Hash)
		}
	}
	k.mu.Unlock()
	held, err := k.lib.HeldChunks(ctx, k.sealed.ID, hashes)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(missing, func(i int) bool { return !held[k.chunks[i].Hash] }), nil
}

// CopyLocal writes into k the chunks plan (from PlanLocal) from files
// that have not changed since they were recorded, verifying each, and
// returns the bytes copied. A chunk whose every source changed is left
// for the network.
func (k *Sink) CopyLocal(ctx context.Context, plan []int) (int64, error) {
	if len(plan) == 0 {
		return 0, nil
	}
	copies, err := k.lib.OpenCopies(ctx, k.sealed.ID)
	if err != nil {
		return 0, err
	}
	defer copies.Close()
	var copied int64
	var buf []byte
	for _, i := range plan {
		if err := ctx.Err(); err != nil {
			return copied, err
		}
		c := k.chunks[i]
		if cap(buf) < int(c.Size) {
			buf = make([]byte, c.Size)
		}
		ok, err := copies.Read(ctx, c, k.sealed.HashAlgo, buf[:c.Size])
		if err != nil {
			return copied, err
		}
		if !ok {
			continue
		}
		if err := k.WriteChunk(ctx, c.Hash, buf[:c.Size]); err != nil {
			return copied, err
		}
		copied += int64(c.Size)
	}
	return copied, nil
}

// Planned is a Sink that reports the chunks a local copy is about to
// write as present, so a fetch running beside the copy does not request
// them.
type Planned struct {
	*Sink
	plan []int
}

// Planned returns k with the chunks of plan (from PlanLocal) reported as
// present.
func (k *Sink) Planned(plan []int) *Planned { return &Planned{Sink: k, plan: plan} }

// Have implements xfer.Sink.
func (s *Planned) Have(context.Context) (*xfer.Bitfield, error) { return s.have(), nil }

func (s *Planned) have() *xfer.Bitfield {
	bf := s.needSet()
	for _, i := range s.plan {
		bf.Set(i)
	}
	return bf
}

// Covered reports whether the sink's chunks and the planned ones are all.
func (s *Planned) Covered() bool { return s.have().Full() }
