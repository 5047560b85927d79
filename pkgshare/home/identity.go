package home

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
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
	if flaw := keyFlaw(key); flaw != "" {
		return nil, &KeyError{Path: path, Reason: "corrupt: " + flaw + "; move it away to create a new identity"}
	}
	return key, nil
}

// keyFlaw says what is wrong with a key that libp2p parses but that is no
// usable identity, or returns "". libp2p keeps an Ed25519 key's 64 bytes
// (seed, then public half) as they are, so a public half that the seed
// does not derive gives a node ID whose signatures never verify; and it
// takes a secp256k1 scalar of 0 (or of the group order, which it reduces
// to 0), whose public key is the point at infinity.
func keyFlaw(key crypto.PrivKey) string {
	raw, err := key.Raw()
	if err != nil {
		return "the private key cannot be read (" + err.Error() + ")"
	}
	switch key.(type) {
	case *crypto.Ed25519PrivateKey:
		if len(raw) != ed25519.PrivateKeySize ||
			subtle.ConstantTimeCompare(ed25519.NewKeyFromSeed(raw[:ed25519.SeedSize]), raw) != 1 {
			return "its Ed25519 public half does not match its private half"
		}
	case *crypto.Secp256k1PrivateKey:
		var bits byte
		for _, b := range raw {
			bits |= b
		}
		if bits == 0 {
			return "the secp256k1 private key is zero"
		}
	}
	return ""
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
