package chunker

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// The compressibility rule: a chunk is compressible when zstd at its
// fastest level (one EncodeAll, frame overhead included) shrinks a sample
// of it below 90% of the sample's size. The sample is the whole chunk up
// to sampleSize bytes; a longer chunk is sampled as sampleCount pieces of
// sampleSize/sampleCount bytes spread evenly from its first to its last
// byte and joined. The flag is advice for transfer, not part of any
// address, so it may change with the zstd version without harm.
const (
	sampleSize  = 4 << 10
	sampleCount = 8
	samplePiece = sampleSize / sampleCount
)

// probe decides compressibility; one per worker, not safe for concurrent use.
type probe struct {
	enc    *zstd.Encoder
	sample []byte
	out    []byte
}

// encoders holds idle *zstd.Encoder values between Split calls.
var encoders sync.Pool

func newProbe() (*probe, error) {
	enc, _ := encoders.Get().(*zstd.Encoder)
	if enc == nil {
		var err error
		enc, err = zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderCRC(false),
			zstd.WithWindowSize(sampleSize),
			zstd.WithLowerEncoderMem(true))
		if err != nil {
			return nil, fmt.Errorf("chunker: zstd encoder: %w", err)
		}
	}
	return &probe{enc: enc, sample: make([]byte, 0, sampleSize), out: make([]byte, 0, sampleSize+64)}, nil
}

// release gives the encoder back for another Split.
func (p *probe) release() {
	encoders.Put(p.enc)
	p.enc = nil
}

// compressible applies the rule above to chunk.
func (p *probe) compressible(chunk []byte) bool {
	s := chunk
	if len(chunk) > sampleSize {
		step := (len(chunk) - samplePiece) / (sampleCount - 1)
		s = p.sample[:0]
		for k := range sampleCount {
			s = append(s, chunk[k*step:k*step+samplePiece]...)
		}
	}
	p.out = p.enc.EncodeAll(s, p.out[:0])
	return len(p.out)*10 < len(s)*9
}
