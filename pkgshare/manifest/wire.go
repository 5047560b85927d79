package manifest

import (
	"bytes"
	"io/fs"
	"math"
	"strconv"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/pkgshare/manifest/pb"
)

// Field numbers of pb.Manifest and pb.File that countRepeated walks.
const (
	wireManifestFiles protowire.Number = 6
	wireFileChunks    protowire.Number = 4
)

var deterministic = proto.MarshalOptions{Deterministic: true}

// toWire converts m to its protobuf form. Created is sent in milliseconds.
func toWire(m *Manifest) (*pb.Manifest, error) {
	pub, err := crypto.MarshalPublicKey(m.Publisher)
	if err != nil {
		return nil, invalid(ErrBadKey, "publisher", "", "cannot marshal public key: %v", err)
	}
	w := &pb.Manifest{
		Publisher: pub,
		Name:      m.Name,
		Version:   m.Version,
		CreatedMs: m.Created.UnixMilli(),
		Files:     make([]*pb.File, len(m.Files)),
		ChunkHash: pb.HashAlgo(m.HashAlgo),
	}
	if !m.Previous.IsZero() {
		w.Previous = m.Previous[:]
	}
	for i := range m.Files {
		f := &m.Files[i]
		wf := &pb.File{Path: f.Path, Size: uint64(f.Size), Mode: uint32(f.Mode), Chunks: make([]*pb.Chunk, len(f.Chunks))}
		for j := range f.Chunks {
			c := &f.Chunks[j]
			wf.Chunks[j] = &pb.Chunk{Hash: c.Hash[:], Size: c.Size, Compressible: c.Compressible}
		}
		w.Files[i] = wf
	}
	return w, nil
}

// fromWire converts a decoded message. It checks only what the Go types
// cannot hold (key encoding, hash lengths, integer ranges); Validate checks
// the rest.
func fromWire(w *pb.Manifest) (*Manifest, error) {
	pub, err := crypto.UnmarshalPublicKey(w.Publisher)
	if err != nil {
		return nil, invalid(ErrBadKey, "publisher", "", "cannot decode public key: %v", err)
	}
	if err := checkHashAlgo(int64(w.ChunkHash)); err != nil {
		return nil, err
	}
	m := &Manifest{Publisher: pub, Name: w.Name, Version: w.Version,
		Created: time.UnixMilli(w.CreatedMs).UTC(), HashAlgo: HashAlgo(w.ChunkHash)}
	if len(w.Files) > 0 {
		m.Files = make([]File, len(w.Files))
	}
	if n := len(w.Previous); n != 0 && n != len(m.Previous) {
		return nil, invalid(ErrMalformed, "previous", "", "%d bytes; a version ID has %d", n, len(m.Previous))
	}
	copy(m.Previous[:], w.Previous)
	for i, wf := range w.Files {
		f, err := fileFromWire(wf)
		if err != nil {
			return nil, err
		}
		m.Files[i] = f
	}
	return m, nil
}

// fileFromWire converts one file.
func fileFromWire(wf *pb.File) (File, error) {
	if wf.Size > math.MaxInt64 {
		return File{}, invalid(ErrBadSize, "size", wf.Path, "%d bytes is out of range", wf.Size)
	}
	f := File{Path: wf.Path, Size: int64(wf.Size), Mode: fs.FileMode(wf.Mode)}
	if len(wf.Chunks) > 0 {
		f.Chunks = make([]Chunk, len(wf.Chunks))
	}
	for j, wc := range wf.Chunks {
		if len(wc.Hash) != len(ChunkHash{}) {
			return File{}, invalid(ErrMalformed, "chunks["+strconv.Itoa(j)+"].hash", wf.Path,
				"%d bytes; a chunk hash has 32", len(wc.Hash))
		}
		f.Chunks[j] = Chunk{Hash: ChunkHash(wc.Hash), Size: wc.Size, Compressible: wc.Compressible}
	}
	return f, nil
}

// decodePayload parses an envelope payload: bounded counts first, then the
// message, then the requirement that the bytes be the canonical encoding of
// what they decode to (so one manifest has one encoding).
func decodePayload(payload []byte) (*Manifest, error) {
	if err := countRepeated(payload); err != nil {
		return nil, err
	}
	var w pb.Manifest
	if err := proto.Unmarshal(payload, &w); err != nil {
		return nil, invalid(ErrMalformed, "payload", "", "%v", err)
	}
	m, err := fromWire(&w)
	if err != nil {
		return nil, err
	}
	again, err := encodePayload(m)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, payload) {
		return nil, invalid(ErrMalformed, "payload", "", "not in canonical encoding")
	}
	return m, nil
}

// encodePayload marshals m deterministically.
func encodePayload(m *Manifest) ([]byte, error) {
	w, err := toWire(m)
	if err != nil {
		return nil, err
	}
	b, err := deterministic.Marshal(w)
	if err != nil {
		return nil, invalid(ErrMalformed, "payload", "", "encode: %v", err)
	}
	return b, nil
}

// countRepeated walks the raw message and enforces MaxFiles and MaxChunks
// before anything is allocated for them.
func countRepeated(payload []byte) error {
	files, chunks := 0, 0
	err := walkFields(payload, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num != wireManifestFiles || typ != protowire.BytesType {
			return nil
		}
		if files++; files > MaxFiles {
			return checkCounts(files, 0)
		}
		return walkFields(v, func(num protowire.Number, typ protowire.Type, _ []byte) error {
			if num == wireFileChunks && typ == protowire.BytesType {
				if chunks++; chunks > MaxChunks {
					return checkCounts(0, chunks)
				}
			}
			return nil
		})
	})
	return err
}

// walkFields calls fn for each field of a protobuf message; v is the
// payload of length-delimited fields and nil for the others.
func walkFields(b []byte, fn func(protowire.Number, protowire.Type, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return invalid(ErrMalformed, "payload", "", "%v", protowire.ParseError(n))
		}
		b = b[n:]
		var v []byte
		if typ == protowire.BytesType {
			v, n = protowire.ConsumeBytes(b)
		} else {
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return invalid(ErrMalformed, "payload", "", "%v", protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(num, typ, v); err != nil {
			return err
		}
	}
	return nil
}
