package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// printer writes a command's output: human text, or with --json one JSON
// document per command (and JSON lines for progress events).
type printer struct {
	w    io.Writer
	json bool
}

// result prints v as one line of JSON in --json mode (so a command's
// progress events and result read as JSON lines), and otherwise calls human.
func (p *printer) result(v any, human func(w io.Writer) error) error {
	if p.json {
		return json.NewEncoder(p.w).Encode(v)
	}
	return human(p.w)
}

// event prints one progress event as a JSON line; it prints nothing in
// human mode (progress bars go to the terminal through their own writer).
func (p *printer) event(v any) error {
	if !p.json {
		return nil
	}
	return json.NewEncoder(p.w).Encode(v)
}

// say prints a line of news in human mode, or ev as a JSON line with
// --json.
func (p *printer) say(ev any, format string, args ...any) error {
	if p.json {
		return p.event(ev)
	}
	_, err := fmt.Fprintf(p.w, format, args...)
	return err
}

// table writes rows under a header (if any), aligned in columns.
func table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if header != nil {
		fmt.Fprintln(tw, strings.Join(header, "\t"))
	}
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// humanBytes formats n bytes with a binary unit.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// count says n things: "1 peer", "2 peers" (one is the singular; the
// plural adds an s).
func count(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}
