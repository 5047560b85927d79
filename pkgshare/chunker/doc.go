// Package chunker cuts byte streams into content-defined chunks and hashes
// them, the way p2psb publishes files.
//
// Terms:
//
//   - Chunk: a run of a stream's bytes, addressed by its hash (Options.Sum,
//     BLAKE3 unless set). Its size lies between Params.Min and Params.Max,
//     except for the last chunk of a stream, which may be shorter.
//   - Cut point: where one chunk ends and the next begins. Cut points
//     depend on content, not on position, so inserting or deleting bytes
//     changes only the chunks around the edit: a new version of a file
//     shares every other chunk with the old one.
//   - Gear hash: the rolling hash h = h<<1 + gear[b] over 64-bit words.
//     Shifting pushes a byte out after 64 more, so h after byte i is a
//     function of the 64-byte window ending at i alone (WindowSize). gear
//     is a fixed table drawn from a fixed seed (gen_gear.go).
//   - Candidate: a byte after which h is below a threshold. Normalized
//     chunking (FastCDC, level 2) uses a strict threshold while the chunk
//     is shorter than Params.Avg and a loose one after, so chunk sizes
//     cluster around Avg. The exact rule is on cutter (cut.go); unlike
//     FastCDC, the hash never restarts at a chunk start, so a candidate
//     does not depend on where the chunk began.
//   - Compressible: a hint, kept with the chunk, that sending it through
//     zstd pays; see compress.go for the sampling rule.
//
// Determinism: cut points and hashes are fixed forever for given Params
// (DefaultParams for p2psb), because chunk hashes are content addresses.
// TestKnownVector pins the gear table and a set of cut points; if it
// fails, the change is a format break, not a test to update.
//
// Split reads a stream once, cutting chunks on one goroutine and hashing
// them on Options.Workers others, in a bounded number of buffers (or
// straight from the page cache when the stream is a file it can map).
// Boundaries is the same cutting rule as a pure function over a slice.
//
// Errors: ErrParams for bad Params; ErrChanged when a mapped file shrank
// while being hashed; read errors wrapped with their offset; ctx.Err().
package chunker
