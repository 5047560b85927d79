package catalog

import (
	"errors"
	"fmt"

	"github.com/p2psb/p2psb/pkgshare/catalog/pb"
)

// Errors a client sees. Match them with errors.Is.
var (
	// ErrBadRequest: the request was malformed or out of bounds.
	ErrBadRequest = errors.New("bad catalog request")
	// ErrRemote: the serving peer failed internally.
	ErrRemote = errors.New("remote peer failed")
	// ErrProtocol: a peer broke the framing rules of the protocol.
	ErrProtocol = errors.New("catalog protocol violation")
	// ErrTimeout: a page did not arrive within the timeout.
	ErrTimeout = errors.New("peer timed out")
	// ErrUnsupported: the peer does not speak /p2psb/catalog/1.0.0.
	ErrUnsupported = errors.New("peer does not offer a catalog")
)

// statusOf maps a server-side error to the wire status.
func statusOf(err error) pb.Status {
	switch {
	case err == nil:
		return pb.Status_STATUS_OK
	case errors.Is(err, ErrBadRequest):
		return pb.Status_STATUS_BAD_REQUEST
	default:
		return pb.Status_STATUS_INTERNAL
	}
}

// publicMessage is what a peer is told about a failure: our own sentinel
// texts, never internal details.
func publicMessage(err error) string {
	switch statusOf(err) {
	case pb.Status_STATUS_OK:
		return ""
	case pb.Status_STATUS_BAD_REQUEST:
		return clip(err.Error(), 200)
	default:
		return "internal error"
	}
}

// errorOf maps a wire status back to an error (nil for OK).
func errorOf(s pb.Status, msg string) error {
	var base error
	switch s {
	case pb.Status_STATUS_OK:
		return nil
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
