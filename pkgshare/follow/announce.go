package follow

import (
	"errors"
	"fmt"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// TopicPrefix starts the name of every follow topic.
const TopicPrefix = "/p2psb/follow/1.0.0/"

// MaxAnnouncement bounds an announcement: the sealed manifest of a version
// of some 40,000 chunks (tens of GiB). A larger version is not announced;
// followers find it at their next check.
const MaxAnnouncement = 2 << 20

// Topic is the GossipSub topic of package id.
func Topic(id manifest.PackageID) string { return TopicPrefix + id.String() }

// ErrForeign: an announcement is a valid manifest of another package than
// its topic's.
var ErrForeign = errors.New("the manifest is of another package")

// ErrTooLarge: an announcement is over MaxAnnouncement bytes.
var ErrTooLarge = errors.New("announcement too large")

// ParseAnnouncement checks untrusted bytes received on the topic of package
// id completely: size, envelope, signature by the publisher, every manifest
// rule, and that the manifest is of package id.
func ParseAnnouncement(id manifest.PackageID, raw []byte) (*manifest.Sealed, error) {
	if len(raw) > MaxAnnouncement {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(raw), MaxAnnouncement)
	}
	s, err := manifest.Open(raw)
	if err != nil {
		return nil, fmt.Errorf("announcement: %w", err)
	}
	if s.PackageID != id {
		return nil, fmt.Errorf("announcement on the topic of %s: %w (%s)", id, ErrForeign, s.PackageID)
	}
	return s, nil
}
