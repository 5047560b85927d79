package ticket

import (
	"encoding/binary"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// parseBody reads the fields of a body whose checksum matched.
func parseBody(b []byte) (Ticket, error) {
	var t Ticket
	last, have := byte(0), false
	for len(b) > 0 {
		tag := b[0]
		n, k := binary.Uvarint(b[1:])
		if k <= 0 || n > uint64(len(b)-1-k) {
			return Ticket{}, errorf("field %d is cut short", tag)
		}
		v := b[1+k : 1+k+int(n)]
		b = b[1+k+int(n):]
		repeatable := tag == tagAddr || tag == tagRendezvous
		if tag < last || (tag == last && !repeatable) {
			return Ticket{}, errorf("field %d is out of order or repeated", tag)
		}
		last = tag
		if err := t.set(tag, v); err != nil {
			return Ticket{}, err
		}
		have = have || tag == tagPackage
	}
	if !have {
		return Ticket{}, errorf("no package ID")
	}
	return t, nil
}

// set reads one field into t.
func (t *Ticket) set(tag byte, v []byte) error {
	switch tag {
	case tagPackage:
		if len(v) != len(t.Package) {
			return errorf("package ID of %d bytes", len(v))
		}
		t.Package = manifest.PackageID(v)
	case tagVersion:
		n, k := binary.Uvarint(v)
		if k != len(v) || n == 0 {
			return errorf("bad version number")
		}
		t.Version = n
	case tagVersionID:
		if len(v) != len(t.VersionID) {
			return errorf("version ID of %d bytes", len(v))
		}
		t.VersionID = manifest.VersionID(v)
	case tagProvider:
		id, err := peer.IDFromBytes(v)
		if err != nil {
			return errorf("provider node ID: %v", err)
		}
		t.Provider.ID = id
	case tagAddr:
		if t.Provider.ID == "" || len(t.Provider.Addrs) == MaxAddrs {
			return errorf("too many provider addresses, or one with no provider")
		}
		a, err := ma.NewMultiaddrBytes(v)
		if err != nil {
			return errorf("provider address: %v", err)
		}
		t.Provider.Addrs = append(t.Provider.Addrs, a)
	case tagRendezvous:
		if len(t.Rendezvous) == MaxRendezvous {
			return errorf("more than %d rendezvous nodes", MaxRendezvous)
		}
		a, err := ma.NewMultiaddrBytes(v)
		if err != nil {
			return errorf("rendezvous address: %v", err)
		}
		ai, err := peer.AddrInfoFromP2pAddr(a)
		if err != nil {
			return errorf("rendezvous address %s: %v", a, err)
		}
		t.Rendezvous = append(t.Rendezvous, *ai)
	default:
		return errorf("unknown field %d (made by a newer p2psb?)", tag)
	}
	return nil
}
