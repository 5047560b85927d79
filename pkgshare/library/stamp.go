package library

import "time"

// Stamp identifies one state of a file as the file system reports it:
// device, inode, size, and modification and change times. Any write,
// truncation or replacement through the file system gives a file a new
// change time, which no program can set back, so content verified under a
// stamp is the file's content for as long as the file keeps that stamp.
// The zero Stamp (platforms without change times) trusts nothing.
type Stamp struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64 // Unix nanoseconds
}

// Valid reports whether s identifies a file state.
func (s Stamp) Valid() bool { return s.ino != 0 || s.ctime != 0 }

// Settled reports whether the file's last change is at least d before
// now. A file changed within the file system's clock granularity of a
// read can change again without its change time moving, so only a
// settled stamp is worth trusting.
func (s Stamp) Settled(now time.Time, d time.Duration) bool {
	return s.Valid() && now.Sub(time.Unix(0, s.ctime)) >= d
}
