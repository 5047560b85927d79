package peerstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	ma "github.com/multiformats/go-multiaddr"
)

// A peer's address book is stored as one blob in peerstore_peers.addrs:
// a format byte (1), then for each address its length (uvarint), its
// binary multiaddr, its TTL and its expiry in Unix nanoseconds (varints).
// One row per peer keeps a commit of many addresses to one statement.
const addrsFormat = 1

// maxStoredAddrs bounds the addresses decoded from one blob.
const maxStoredAddrs = 1 << 16

// encodeAddrs encodes rows (at = expiry).
func encodeAddrs(rows []addrRow) []byte {
	if len(rows) == 0 {
		return nil
	}
	n := 1
	for _, r := range rows {
		n += len(r.addr) + 3*binary.MaxVarintLen64
	}
	buf := make([]byte, 1, n)
	buf[0] = addrsFormat
	for _, r := range rows {
		buf = binary.AppendUvarint(buf, uint64(len(r.addr)))
		buf = append(buf, r.addr...)
		buf = binary.AppendVarint(buf, int64(r.ttl))
		buf = binary.AppendVarint(buf, nanos(r.at))
	}
	return buf
}

var errAddrsBlob = errors.New("malformed address blob")

// decodeAddrs decodes a blob written by encodeAddrs.
func decodeAddrs(buf []byte) (map[string]*addrEntry, error) {
	out := make(map[string]*addrEntry)
	if len(buf) == 0 {
		return out, nil
	}
	if buf[0] != addrsFormat {
		return nil, fmt.Errorf("%w: format %d", errAddrsBlob, buf[0])
	}
	buf = buf[1:]
	for len(buf) > 0 {
		if len(out) == maxStoredAddrs {
			return nil, fmt.Errorf("%w: more than %d addresses", errAddrsBlob, maxStoredAddrs)
		}
		l, k := binary.Uvarint(buf)
		if k <= 0 || l > uint64(len(buf)-k) {
			return nil, fmt.Errorf("%w: bad address length", errAddrsBlob)
		}
		raw := buf[k : k+int(l)]
		buf = buf[k+int(l):]
		ttl, k1 := binary.Varint(buf)
		if k1 <= 0 {
			return nil, fmt.Errorf("%w: bad TTL", errAddrsBlob)
		}
		exp, k2 := binary.Varint(buf[k1:])
		if k2 <= 0 {
			return nil, fmt.Errorf("%w: bad expiry", errAddrsBlob)
		}
		buf = buf[k1+k2:]
		a, err := ma.NewMultiaddrBytes(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errAddrsBlob, err)
		}
		out[string(raw)] = &addrEntry{addr: a, ttl: time.Duration(ttl), expiry: fromNanos(exp)}
	}
	return out, nil
}
