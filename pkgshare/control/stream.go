package control

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// Frame is one line of a streamed answer: progress, or the final result or
// error.
type Frame struct {
	Progress json.RawMessage `json:"progress,omitempty"`
	Result   json.RawMessage `json:"result,omitempty"`
	Error    *ErrorBody      `json:"error,omitempty"`
}

// maxFrame bounds one line of a streamed answer.
const maxFrame = 1 << 20

// streamWriter writes frames to a response, flushing each; it is safe for
// concurrent use (progress comes from the work's goroutines).
type streamWriter struct {
	mu  sync.Mutex
	w   http.ResponseWriter
	enc *json.Encoder
	err error
}

func newStream(w http.ResponseWriter) *streamWriter {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	return &streamWriter{w: w, enc: json.NewEncoder(w)}
}

func (s *streamWriter) write(f Frame) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return // the client is gone; its request context ends the work
	}
	if s.err = s.enc.Encode(f); s.err == nil {
		http.NewResponseController(s.w).Flush()
	}
}

func (s *streamWriter) progress(v any) {
	b, err := json.Marshal(v)
	if err == nil {
		s.write(Frame{Progress: b})
	}
}

// finish writes the result, or the error when err is not nil.
func (s *streamWriter) finish(v any, err error) {
	if err != nil {
		body := toBody(err)
		s.write(Frame{Error: &body})
		return
	}
	b, merr := json.Marshal(v)
	if merr != nil {
		body := toBody(fmt.Errorf("encode the result: %w", merr))
		s.write(Frame{Error: &body})
		return
	}
	s.write(Frame{Result: b})
}

// readStream reads frames from r, passing progress to onProgress, and
// decodes the result into out. A stream that ends without a result is an
// error.
func readStream(r io.Reader, onProgress func(json.RawMessage) error, out any) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxFrame)
	for sc.Scan() {
		var f Frame
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			return fmt.Errorf("daemon answer: %w", err)
		}
		switch {
		case f.Error != nil:
			return &Error{Msg: f.Error.Error, BadInput: f.Error.BadInput, Resume: f.Error.Resume}
		case f.Result != nil:
			if err := json.Unmarshal(f.Result, out); err != nil {
				return fmt.Errorf("daemon result: %w", err)
			}
			return nil
		case f.Progress != nil && onProgress != nil:
			if err := onProgress(f.Progress); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("daemon answer: %w", err)
	}
	return fmt.Errorf("daemon answer: %w", io.ErrUnexpectedEOF)
}
