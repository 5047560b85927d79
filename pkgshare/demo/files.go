package demo

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// writeDemoFiles writes files pseudo-random files of size bytes in all
// into dir.
func writeDemoFiles(dir string, files int, size int64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	rng := rand.NewChaCha8([32]byte{'p', '2', 'p', 's', 'b'})
	for i := range files {
		n := size / int64(files)
		if i == files-1 {
			n = size - n*int64(files-1)
		}
		if err := writeRandomFile(filepath.Join(dir, fmt.Sprintf("file-%02d.bin", i+1)), n, rng); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

func writeRandomFile(path string, n int64, rng io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := io.CopyN(w, rng, n); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// sameTree checks that every regular file under want is under got with
// the same bytes.
func sameTree(want, got string) error {
	return filepath.WalkDir(want, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(want, path)
		if err != nil {
			return err
		}
		if err := sameFile(path, filepath.Join(got, rel)); err != nil {
			return fmt.Errorf("%s differs from the original: %w", rel, err)
		}
		return nil
	})
}

func sameFile(a, b string) error {
	fa, err := os.Open(a)
	if err != nil {
		return err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return err
	}
	defer fb.Close()
	bufA, bufB := make([]byte, 1<<20), make([]byte, 1<<20)
	for off := int64(0); ; {
		na, errA := io.ReadFull(fa, bufA)
		nb, errB := io.ReadFull(fb, bufB)
		if na != nb || !bytes.Equal(bufA[:na], bufB[:nb]) {
			return fmt.Errorf("contents differ after byte %d", off)
		}
		off += int64(na)
		if errA == io.EOF || errA == io.ErrUnexpectedEOF {
			if errB != errA {
				return fmt.Errorf("sizes differ after byte %d", off)
			}
			return nil
		}
		if errA != nil {
			return errA
		}
		if errB != nil {
			return errB
		}
	}
}
