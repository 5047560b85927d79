package rendezvous

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// A cookie is version(1) | position(8, big endian) | mac(16). The position is
// the registration counter of the last registration returned; the mac is an
// HMAC-SHA256 under the server's secret over the version, the position and
// the namespace, so a cookie is tamper-evident and valid for its namespace
// only. The secret lives in the database, so cookies survive a restart.
const (
	cookieVersion = 1
	cookieMACLen  = 16
	cookieLen     = 1 + 8 + cookieMACLen
	secretLen     = 32
)

type cookieJar struct {
	secret []byte
}

func (j cookieJar) mac(ns string, body []byte) []byte {
	h := hmac.New(sha256.New, j.secret)
	h.Write([]byte("p2psb rendezvous cookie\x00"))
	h.Write(body)
	h.Write([]byte(ns))
	return h.Sum(nil)[:cookieMACLen]
}

// issue returns the cookie for position pos in namespace ns.
func (j cookieJar) issue(ns string, pos uint64) []byte {
	c := make([]byte, 0, cookieLen)
	c = append(c, cookieVersion)
	c = binary.BigEndian.AppendUint64(c, pos)
	return append(c, j.mac(ns, c)...)
}

// open returns the position of a cookie issued for ns; an empty cookie is
// position 0. Anything else is ErrInvalidCookie.
func (j cookieJar) open(ns string, c []byte) (uint64, error) {
	if len(c) == 0 {
		return 0, nil
	}
	if len(c) != cookieLen || c[0] != cookieVersion {
		return 0, fmt.Errorf("%w: malformed", ErrInvalidCookie)
	}
	if !hmac.Equal(c[9:], j.mac(ns, c[:9])) {
		return 0, fmt.Errorf("%w: not issued for namespace %q", ErrInvalidCookie, ns)
	}
	return binary.BigEndian.Uint64(c[1:9]), nil
}
