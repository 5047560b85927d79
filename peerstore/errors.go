package peerstore

// inputError is an error caused by the caller's input rather than by the
// machine; commands map it to their "bad input" exit status.
type inputError string

func (e inputError) Error() string      { return string(e) }
func (e inputError) InvalidInput() bool { return true }

// Errors of the buddy list and of Import. They are returned wrapped with
// context; test with errors.Is.
var (
	// ErrBadAlias: an alias must be 1 to 64 letters, digits, '.', '-' or
	// '_', and must not itself be a valid peer ID.
	ErrBadAlias error = inputError("invalid alias")
	// ErrAliasTaken: another buddy already has this alias.
	ErrAliasTaken error = inputError("alias already used by another buddy")
	// ErrNotBuddy: no buddy has this node ID or alias.
	ErrNotBuddy error = inputError("no such buddy")
	// ErrBadPeerID: a node ID that does not parse or is empty.
	ErrBadPeerID error = inputError("invalid node ID")
	// ErrBadImport: an import document or one of its records is invalid.
	ErrBadImport error = inputError("invalid import")
)
