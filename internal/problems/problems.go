// Package problems collects every configuration problem found in one pass, so a
// user fixing a stack file sees all of them at once instead of one per run.
package problems

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Problem is one rejected value: the full config key path (for example
// "platform:network.cidr") and a sentence that says what is wrong and how to fix it.
type Problem struct {
	Key string
	Msg string
}

func (p Problem) String() string { return p.Key + ": " + p.Msg }

// List accumulates problems. The zero value is ready to use.
type List struct {
	items []Problem
}

// Add records a problem at key; the message is formatted like fmt.Sprintf.
func (l *List) Add(key, format string, args ...any) {
	l.items = append(l.items, Problem{Key: key, Msg: fmt.Sprintf(format, args...)})
}

// Merge appends every problem carried by err (an *Error from another List, or
// any other error as a problem at key).
func (l *List) Merge(key string, err error) {
	if err == nil {
		return
	}
	var pe *Error
	if errors.As(err, &pe) {
		l.items = append(l.items, pe.Problems...)
		return
	}
	l.items = append(l.items, Problem{Key: key, Msg: err.Error()})
}

// Len reports how many problems were recorded.
func (l *List) Len() int { return len(l.items) }

// Err returns nil when nothing was recorded, else an *Error holding the
// problems sorted by key so the output is stable between runs. Only the first
// problem at a key is kept: decoding runs before validation, so a value that
// could not be read is not also reported as missing.
func (l *List) Err() error {
	if len(l.items) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []Problem
	for _, p := range l.items {
		if !seen[p.Key] {
			seen[p.Key] = true
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return &Error{Problems: out}
}

// Error is the error returned for a rejected configuration.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("invalid stack configuration: ")
		b.WriteString(e.Problems[0].String())
		return b.String()
	}
	fmt.Fprintf(&b, "invalid stack configuration (%d problems):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Messages returns each problem as "key: message", for tests and tools.
func Messages(err error) []string {
	var pe *Error
	if !errors.As(err, &pe) {
		if err == nil {
			return nil
		}
		return []string{err.Error()}
	}
	out := make([]string, len(pe.Problems))
	for i, p := range pe.Problems {
		out[i] = p.String()
	}
	return out
}
