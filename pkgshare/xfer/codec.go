package xfer

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// One encoder and one decoder serve the whole process: EncodeAll and
// DecodeAll are safe for concurrent use and reuse their internal state.
var (
	codecOnce sync.Once
	encoder   *zstd.Encoder
	decoder   *zstd.Decoder
	codecErr  error
)

func codecs() (*zstd.Encoder, *zstd.Decoder, error) {
	codecOnce.Do(func() {
		n := runtime.GOMAXPROCS(0)
		encoder, codecErr = zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithEncoderConcurrency(n),
			zstd.WithZeroFrames(true))
		if codecErr != nil {
			return
		}
		decoder, codecErr = zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(n),
			zstd.WithDecoderMaxMemory(manifest.MaxChunkSize),
			zstd.WithDecoderMaxWindow(manifest.MaxChunkSize))
	})
	return encoder, decoder, codecErr
}

// compress appends the zstd form of src to dst[:0]; ok is false when it
// would not be smaller than src (then send src raw).
func compress(dst, src []byte) (out []byte, ok bool, err error) {
	enc, _, err := codecs()
	if err != nil {
		return nil, false, fmt.Errorf("zstd encoder: %w", err)
	}
	out = enc.EncodeAll(src, dst[:0])
	return out, len(out) < len(src), nil
}

// decompress decodes src, which must expand to exactly size bytes, into
// dst[:0].
func decompress(dst, src []byte, size int) ([]byte, error) {
	_, dec, err := codecs()
	if err != nil {
		return nil, fmt.Errorf("zstd decoder: %w", err)
	}
	out, err := dec.DecodeAll(src, dst[:0])
	if err != nil {
		return nil, fmt.Errorf("%w: zstd body: %v", ErrBadPeer, err)
	}
	if len(out) != size {
		return nil, fmt.Errorf("%w: zstd body decodes to %d bytes, want %d", ErrBadPeer, len(out), size)
	}
	return out, nil
}
