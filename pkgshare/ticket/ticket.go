package ticket

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Prefix starts every ticket of this format.
const Prefix = "p2psb1"

// Limits of a ticket.
const (
	MaxLen        = 4096 // characters of a printed ticket
	MaxAddrs      = 16   // provider addresses
	MaxRendezvous = 8    // rendezvous nodes
	checksumLen   = 4
)

// Field tags of the body (see the package comment).
const (
	tagPackage    = 1
	tagVersion    = 2
	tagVersionID  = 3
	tagProvider   = 4
	tagAddr       = 5
	tagRendezvous = 6
)

var encoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Ticket is what one ticket holds.
type Ticket struct {
	Package    manifest.PackageID
	Version    uint64             // 0: the newest
	VersionID  manifest.VersionID // zero: any version numbered Version
	Provider   peer.AddrInfo      // ID empty: no provider
	Rendezvous []peer.AddrInfo
}

// Ref is the package and version the ticket names.
func (t Ticket) Ref() manifest.Ref { return manifest.Ref{ID: t.Package, Version: t.Version} }

// String returns the printed form. A ticket over the limits is cut to
// them (addresses beyond MaxAddrs and MaxRendezvous are left out).
func (t Ticket) String() string {
	var b []byte
	b = field(b, tagPackage, t.Package[:])
	if t.Version != 0 {
		b = field(b, tagVersion, binary.AppendUvarint(nil, t.Version))
	}
	if !t.VersionID.IsZero() {
		b = field(b, tagVersionID, t.VersionID[:])
	}
	if t.Provider.ID != "" {
		b = field(b, tagProvider, []byte(t.Provider.ID))
		for _, a := range t.Provider.Addrs[:min(len(t.Provider.Addrs), MaxAddrs)] {
			b = field(b, tagAddr, a.Bytes())
		}
	}
	n := 0
	for _, rz := range t.Rendezvous {
		full, err := peer.AddrInfoToP2pAddrs(&rz)
		if err != nil || len(full) == 0 || n == MaxRendezvous {
			continue
		}
		b = field(b, tagRendezvous, full[0].Bytes())
		n++
	}
	return Prefix + encoding.EncodeToString(append(b, checksum(b)...))
}

func field(b []byte, tag byte, v []byte) []byte {
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func checksum(body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(Prefix))
	h.Write(body)
	return h.Sum(nil)[:checksumLen]
}

// Error is a string that is not a ticket this p2psb reads.
type Error struct{ Msg string }

func (e *Error) Error() string      { return "ticket: " + e.Msg }
func (e *Error) InvalidInput() bool { return true }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Looks reports whether s is meant as a ticket (of any format version),
// not a package ID.
func Looks(s string) bool { return len(s) >= 5 && strings.EqualFold(s[:5], "p2psb") }

// Parse reads a printed ticket.
func Parse(s string) (Ticket, error) {
	s = strings.TrimSpace(s)
	if len(s) > MaxLen {
		return Ticket{}, errorf("%d characters, more than the %d a ticket may have", len(s), MaxLen)
	}
	if !Looks(s) {
		return Ticket{}, errorf("a ticket starts with %q", Prefix)
	}
	if !strings.EqualFold(s[:min(len(s), len(Prefix))], Prefix) {
		return Ticket{}, errorf("format %q is not one this p2psb reads (it reads %s tickets; a newer p2psb may)",
			"p2psb"+clipVersion(s[5:]), Prefix)
	}
	raw, err := encoding.DecodeString(strings.ToLower(s[len(Prefix):]))
	if err != nil || len(raw) < checksumLen {
		return Ticket{}, errorf("not valid base32 after %q: was it cut short or changed?", Prefix)
	}
	body, sum := raw[:len(raw)-checksumLen], raw[len(raw)-checksumLen:]
	if !bytes.Equal(sum, checksum(body)) {
		return Ticket{}, errorf("checksum does not match: the ticket was changed or cut short in the copy")
	}
	return parseBody(body)
}

// clipVersion keeps the digits that name a format version.
func clipVersion(s string) string {
	i := 0
	for i < len(s) && i < 8 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}
