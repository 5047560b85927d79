package chunker

// chunkPage is how many chunks chunkList allocates at once.
const chunkPage = 256

// chunkList is an append-only list of chunks whose elements never move,
// so workers can fill them in while the cutter appends more.
type chunkList struct {
	pages []*[chunkPage]Chunk
	n     int
}

// add appends a chunk of size bytes at off and returns it.
func (l *chunkList) add(off int64, size int) *Chunk {
	if l.n%chunkPage == 0 {
		l.pages = append(l.pages, new([chunkPage]Chunk))
	}
	c := &l.pages[l.n/chunkPage][l.n%chunkPage]
	c.Offset, c.Size = off, uint32(size)
	l.n++
	return c
}

// all returns the chunks in one slice.
func (l *chunkList) all() []Chunk {
	out := make([]Chunk, 0, l.n)
	for _, p := range l.pages {
		out = append(out, p[:min(chunkPage, l.n-len(out))]...)
	}
	return out
}
