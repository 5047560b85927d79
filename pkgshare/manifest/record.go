package manifest

import (
	"encoding/binary"

	"github.com/libp2p/go-libp2p/core/record"
)

// EnvelopeDomain is the signature domain of manifest envelopes: a signature
// made for any other purpose (peer records, other programs) never verifies
// as a manifest.
const EnvelopeDomain = "p2psb-manifest"

// PayloadCode identifies manifest payloads in an envelope. It lies in the
// multicodec private-use range; the envelope's PayloadType is its unsigned
// varint encoding. A new, incompatible wire format takes a new code.
const PayloadCode = 0x3f7073

func init() {
	record.RegisterType(&Manifest{})
}

var _ record.Record = (*Manifest)(nil)

// Domain implements record.Record.
func (*Manifest) Domain() string { return EnvelopeDomain }

// Codec implements record.Record: the envelope PayloadType.
func (*Manifest) Codec() []byte { return binary.AppendUvarint(nil, PayloadCode) }

// MarshalRecord implements record.Record: the deterministic protobuf
// encoding. It does not validate or sort; use Seal to sign a manifest.
func (m *Manifest) MarshalRecord() ([]byte, error) { return encodePayload(m) }

// UnmarshalRecord implements record.Record: it decodes and validates a
// payload as Open does. It cannot check that the envelope was signed by the
// publisher, so read envelopes with Open, not with record.ConsumeEnvelope.
func (m *Manifest) UnmarshalRecord(b []byte) error {
	var p payload
	if err := p.UnmarshalRecord(b); err != nil {
		return err
	}
	*m = *p.m
	return nil
}

// payload is the record Seal and Open use: a manifest with the warnings its
// validation produced.
type payload struct {
	m        *Manifest
	warnings []string
}

func (*payload) Domain() string { return EnvelopeDomain }

func (*payload) Codec() []byte { return (*Manifest)(nil).Codec() }

func (p *payload) MarshalRecord() ([]byte, error) { return encodePayload(p.m) }

// UnmarshalRecord decodes b, requires canonical encoding and sorted files,
// and validates the result.
func (p *payload) UnmarshalRecord(b []byte) error {
	m, err := decodePayload(b)
	if err != nil {
		return err
	}
	for i := 1; i < len(m.Files); i++ {
		if m.Files[i-1].Path > m.Files[i].Path {
			return invalid(ErrMalformed, "files", m.Files[i].Path, "not sorted by path")
		}
	}
	warnings, err := m.check()
	if err != nil {
		return err
	}
	p.m, p.warnings = m, warnings
	return nil
}
