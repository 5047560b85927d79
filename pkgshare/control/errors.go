package control

import (
	"context"
	"errors"
	"net/http"

	"github.com/p2psb/p2psb/peerstore"
	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/library"
)

// Error is an error the daemon answered.
type Error struct {
	Msg      string // the daemon's error text
	BadInput bool   // the request was refused as bad input
	// Resume, for a fetch that ran out of sources, names what resumes it
	// (fetch.ResumableError).
	Resume *fetch.Resume
}

func (e *Error) Error() string      { return e.Msg }
func (e *Error) InvalidInput() bool { return e.BadInput }

// ErrorBody is the body of a non-2xx answer, and the error of a Frame.
type ErrorBody struct {
	Error    string        `json:"error"`
	BadInput bool          `json:"bad_input,omitempty"`
	Resume   *fetch.Resume `json:"resume,omitempty"`
}

// invalidInput is implemented by errors that blame the input.
type invalidInput interface{ InvalidInput() bool }

// badInput reports whether err blames the request rather than the daemon.
func badInput(err error) bool {
	var bad invalidInput
	return errors.As(err, &bad) && bad.InvalidInput()
}

// statusOf maps an error to the HTTP status answered for it.
func statusOf(err error) int {
	var nf *library.NotFoundError
	switch {
	case errors.As(err, &nf), errors.Is(err, peerstore.ErrNotBuddy):
		return http.StatusNotFound
	case badInput(err):
		return http.StatusBadRequest
	case errors.Is(err, context.Canceled):
		return 499 // the client went away
	default:
		return http.StatusInternalServerError
	}
}

func toBody(err error) ErrorBody {
	b := ErrorBody{Error: err.Error(), BadInput: badInput(err)}
	var re *fetch.ResumableError
	if errors.As(err, &re) {
		b.Resume = &re.Resume
	}
	return b
}

// fromStatus turns a non-2xx answer back into an *Error.
func fromStatus(code int, body ErrorBody) *Error {
	bad := body.BadInput || code == http.StatusBadRequest || code == http.StatusNotFound ||
		code == http.StatusRequestEntityTooLarge
	msg := body.Error
	if msg == "" {
		msg = http.StatusText(code)
	}
	return &Error{Msg: msg, BadInput: bad, Resume: body.Resume}
}
