package xfer

import (
	"errors"
	"fmt"

	"github.com/p2psb/p2psb/pkgshare/xfer/pb"
)

// Errors a Store returns and a client sees. Match them with errors.Is.
var (
	// ErrNotFound: the peer (or the local Store) has no such version or chunk.
	ErrNotFound = errors.New("not found")
	// ErrChanged: a published file changed on disk since it was hashed; the
	// chunk is answered as not found.
	ErrChanged = errors.New("file changed since publishing")
	// ErrRetired: the peer held the version but no longer offers it, as
	// its files changed since (a newer version replaced them in place);
	// answered as not found, with the error's text.
	ErrRetired = errors.New("no longer offered here: its files changed since (a newer version replaced them)")
	// ErrBadRequest: the request was malformed or out of bounds.
	ErrBadRequest = errors.New("bad request")
	// ErrRemote: the serving peer failed internally.
	ErrRemote = errors.New("remote peer failed")
	// ErrBadPeer: a peer sent something that fails verification (a chunk
	// whose hash is wrong, a manifest that is not the one asked for).
	ErrBadPeer = errors.New("peer sent invalid data")
	// ErrProtocol: a peer broke the framing rules of the protocol.
	ErrProtocol = errors.New("protocol violation")
	// ErrNoProviders: a fetch ran out of providers before completing.
	ErrNoProviders = errors.New("no provider could supply the missing chunks")
	// ErrStalled: a fetch had no source and made no progress for its stall
	// timeout (the error is a *StallError).
	ErrStalled = errors.New("no progress and no peer with the missing chunks")
	// ErrTimeout: a peer sent nothing within the request timeout.
	ErrTimeout = errors.New("peer timed out")
)

// statusOf maps a Store error to the wire status.
func statusOf(err error) pb.Status {
	switch {
	case err == nil:
		return pb.Status_STATUS_OK
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrChanged), errors.Is(err, ErrRetired):
		return pb.Status_STATUS_NOT_FOUND
	case errors.Is(err, ErrBadRequest):
		return pb.Status_STATUS_BAD_REQUEST
	default:
		return pb.Status_STATUS_INTERNAL
	}
}

// errorOf maps a wire status back to an error (nil for OK).
func errorOf(s pb.Status, msg string) error {
	var base error
	switch s {
	case pb.Status_STATUS_OK:
		return nil
	case pb.Status_STATUS_NOT_FOUND:
		base = ErrNotFound
	case pb.Status_STATUS_BAD_REQUEST:
		base = ErrBadRequest
	case pb.Status_STATUS_INTERNAL:
		base = ErrRemote
	default:
		return fmt.Errorf("%w: unknown status %d", ErrProtocol, s)
	}
	if msg == "" {
		return base
	}
	return fmt.Errorf("%w: %s", base, clip(msg, 200))
}

// clip bounds a peer-supplied message before it reaches logs or errors.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
