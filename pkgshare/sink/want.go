package sink

import (
	"context"
	"fmt"
	"time"

	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// A selective fetch (Options.Want) takes only some files of a version.
// Its sink asks the network only for the chunks of those files: the
// others are reported present to the fetcher (Have) but not in the sink's
// own have-set (HaveSet), which is what it records and serves. A chunk a
// taken file shares with one that is not is still written at every place
// the version uses it, so the have-set keeps its meaning (written
// everywhere) and a later fetch of more files resumes from it; files not
// taken never move to their final paths. FinishSelected records the
// files taken as present in the library.

// setWant makes k take only the files want marks (nil, or all marked:
// every file).
func (k *Sink) setWant(want []bool) {
	all := true
	for _, w := range want {
		all = all && w
	}
	if all || len(want) != len(k.sealed.Files) {
		return
	}
	k.want = want
	k.skip = xfer.FullBitfield(len(k.chunks))
	for i, f := range k.sealed.Files {
		if want[i] {
			for _, c := range f.Chunks {
				k.skip.Clear(k.index[c.Hash])
			}
		}
	}
}

// Selective reports whether k takes only some of the version's files.
func (k *Sink) Selective() bool { return k.want != nil }

// wanted reports whether k takes file i.
func (k *Sink) wanted(i int) bool { return k.want == nil || k.want[i] }

// needSet is the have-set as the fetcher sees it: the chunks written and
// those no taken file uses.
func (k *Sink) needSet() *xfer.Bitfield {
	bf := k.HaveSet()
	if k.skip != nil {
		for i := range bf.Len() {
			if k.skip.Has(i) {
				bf.Set(i)
			}
		}
	}
	return bf
}

// Covered reports whether every chunk of the files k takes is written.
func (k *Sink) Covered() bool { return k.needSet().Full() }

// Have implements xfer.Sink: the fetch requests only the chunks of the
// files it takes.
func (k *Sink) Have(context.Context) (*xfer.Bitfield, error) { return k.needSet(), nil }

// FinishSelected ends a selective fetch whose files are all written:
// they move to their final paths, and the library records them present
// (with their modification times, so seeding can tell later changes)
// beside the version's progress; the version stays incomplete, and a
// later fetch of it into the same target moves only what is missing.
func (k *Sink) FinishSelected(ctx context.Context) error {
	if err := k.Release(); err != nil {
		return err
	}
	if !k.Covered() {
		return fmt.Errorf("finish %s: chunks missing", k.sealed.ID)
	}
	k.mu.Lock()
	var done []int
	for i := range k.done {
		if k.done[i] {
			done = append(done, i)
		}
	}
	k.mu.Unlock()
	present := make(map[int]time.Time, len(done))
	for _, i := range done {
		fi, err := k.tgt.stat(k.sealed.Files[i].Path)
		if err != nil {
			return fmt.Errorf("finish %s: %w", k.sealed.Files[i].Path, err)
		}
		present[i] = fi.ModTime()
	}
	if err := k.Flush(ctx); err != nil {
		return err
	}
	return k.lib.KeepPresent(ctx, k.sealed, present)
}
