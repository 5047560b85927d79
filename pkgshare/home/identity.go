package home

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/libp2p/go-libp2p/core/crypto"
)

// maxKeyFile bounds how much of an identity file is read.
const maxKeyFile = 64 << 10

// KeyError reports an identity key file that exists but cannot be used. The
// file is left as it is.
type KeyError struct {
	Path   string
	Reason string
	Err    error
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("identity key %s: %s", e.Path, e.Reason)
}

func (e *KeyError) Unwrap() error { return e.Err }

// Identity returns the node's private key, creating identity.key with a new
// Ed25519 key if the file does not exist. Anything but a regular file (a
// symbolic link included), a file readable by anyone but its owner, or one
// that does not hold a libp2p private key, is refused and not touched.
func (h *Home) Identity() (crypto.PrivKey, error) {
	path := h.Path(IdentityFile)
	key, err := readKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createKey(path); err != nil {
		return nil, err
	}
	return readKey(path)
}

func readKey(path string) (crypto.PrivKey, error) {
	f, fi, err := openKeyFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, &KeyError{Path: path, Reason: fmt.Sprintf(
			"mode %04o lets others read the private key; run `chmod 600 %s` if it is yours", perm, path)}
	}
	if fi.Size() > maxKeyFile {
		return nil, &KeyError{Path: path, Reason: "too large to be a key; move it away to create a new identity"}
	}
	data := make([]byte, fi.Size())
	if _, err := f.ReadAt(data, 0); err != nil && fi.Size() > 0 {
		return nil, fmt.Errorf("identity key %s: %w", path, err)
	}
	key, err := crypto.UnmarshalPrivateKey(data)
	if err != nil {
		return nil, &KeyError{Path: path, Err: err,
			Reason: "not a libp2p private key (" + err.Error() + "); move it away to create a new identity"}
	}
	return key, nil
}

// createKey writes a new key to a temporary file and links it into place, so
// two processes starting at once agree on one identity and no reader ever
// sees a half-written key.
func createKey(path string) error {
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		return fmt.Errorf("generate identity key: %w", err)
	}
	data, err := crypto.MarshalPrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode identity key: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".identity-*.tmp")
	if err != nil {
		return fmt.Errorf("create identity key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeSynced(tmp, data); err != nil {
		return fmt.Errorf("write identity key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("install identity key %s: %w", path, err)
	}
	return nil
}

func writeSynced(f *os.File, data []byte) error {
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
