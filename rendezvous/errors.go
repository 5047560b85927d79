package rendezvous

import (
	"errors"
	"fmt"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// Sentinel errors, one per status code of the rendezvous spec. A server maps
// the error of a refused request to its status with statusOf; a client turns
// a non-OK status back into a *StatusError that matches the sentinel with
// errors.Is.
var (
	ErrInvalidNamespace = errors.New("invalid namespace")
	ErrInvalidRecord    = errors.New("invalid signed peer record")
	ErrInvalidTTL       = errors.New("invalid ttl")
	ErrInvalidCookie    = errors.New("invalid cookie")
	ErrNotAuthorized    = errors.New("not authorized")
	ErrInternal         = errors.New("internal error")
	ErrUnavailable      = errors.New("unavailable")
)

var statusErrors = []struct {
	status pb.Message_ResponseStatus
	err    error
}{
	{pb.Message_E_INVALID_NAMESPACE, ErrInvalidNamespace},
	{pb.Message_E_INVALID_SIGNED_PEER_RECORD, ErrInvalidRecord},
	{pb.Message_E_INVALID_TTL, ErrInvalidTTL},
	{pb.Message_E_INVALID_COOKIE, ErrInvalidCookie},
	{pb.Message_E_NOT_AUTHORIZED, ErrNotAuthorized},
	{pb.Message_E_INTERNAL_ERROR, ErrInternal},
	{pb.Message_E_UNAVAILABLE, ErrUnavailable},
}

// StatusError is a non-OK status a rendezvous server answered with.
type StatusError struct {
	Status pb.Message_ResponseStatus
	Text   string
}

func (e *StatusError) Error() string {
	if e.Text == "" {
		return fmt.Sprintf("rendezvous: %s", e.Status)
	}
	return fmt.Sprintf("rendezvous: %s: %s", e.Status, e.Text)
}

// Unwrap lets errors.Is match the sentinel of the status.
func (e *StatusError) Unwrap() error {
	for _, se := range statusErrors {
		if se.status == e.Status {
			return se.err
		}
	}
	return nil
}

// statusOf maps an error to the status code a server answers with; errors
// that match no sentinel are internal errors.
func statusOf(err error) pb.Message_ResponseStatus {
	if err == nil {
		return pb.Message_OK
	}
	for _, se := range statusErrors {
		if errors.Is(err, se.err) {
			return se.status
		}
	}
	return pb.Message_E_INTERNAL_ERROR
}

// statusText is the text sent with a refusal: the error's message, except
// for internal errors, whose details stay in the server's log.
func statusText(err error) string {
	if statusOf(err) == pb.Message_E_INTERNAL_ERROR {
		return ErrInternal.Error()
	}
	return err.Error()
}

// errorOf turns a response status into an error, nil for OK.
func errorOf(status pb.Message_ResponseStatus, text string) error {
	if status == pb.Message_OK {
		return nil
	}
	return &StatusError{Status: status, Text: text}
}
