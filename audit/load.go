package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// File names Load expects in a snapshot folder, one per describe-* command.
const (
	VPCsFile              = "vpcs.json"
	SubnetsFile           = "subnets.json"
	RouteTablesFile       = "route-tables.json"
	SecurityGroupsFile    = "security-groups.json"
	NetworkInterfacesFile = "network-interfaces.json"
)

// Files points at the output of each describe-* command. An empty path means
// that output was not collected; the audit then works with what it has
// (without route tables, for instance, every subnet's tier is unknown).
type Files struct {
	VPCs              string
	Subnets           string
	RouteTables       string
	SecurityGroups    string
	NetworkInterfaces string
}

// FilesIn returns the standard file names inside dir.
func FilesIn(dir string) Files {
	return Files{
		VPCs:              filepath.Join(dir, VPCsFile),
		Subnets:           filepath.Join(dir, SubnetsFile),
		RouteTables:       filepath.Join(dir, RouteTablesFile),
		SecurityGroups:    filepath.Join(dir, SecurityGroupsFile),
		NetworkInterfaces: filepath.Join(dir, NetworkInterfacesFile),
	}
}

// InputError reports a file that could not be used, naming the file so the
// person who collected the snapshot knows which command to re-run.
type InputError struct {
	File string
	Err  error
}

func (e *InputError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// ErrNoInput is returned by LoadFiles when every path is empty.
var ErrNoInput = errors.New("no input files given")

// Load reads a snapshot folder: the files the live reader saves with
// --save, or the outputs of the commands Commands lists, run by hand. A
// hand-collected folder must hold at least the five network files (see
// FilesIn); every other file is optional, and the report lists the calls
// whose output is missing.
func Load(dir string) (*Inventory, error) {
	s, err := ReadSnapshot(dir)
	if err != nil {
		return nil, err
	}
	return LoadSnapshot(s)
}

// LoadFiles reads the given describe-* outputs, skipping empty paths, and
// returns the classified inventory. Unknown JSON fields are ignored, since
// the CLI prints far more than the audit needs and AWS keeps adding fields.
func LoadFiles(f Files) (*Inventory, error) {
	if f == (Files{}) {
		return nil, ErrNoInput
	}
	s := &Snapshot{Files: map[string][]byte{}, paths: map[string]string{}}
	for name, p := range map[string]string{
		VPCsFile: f.VPCs, SubnetsFile: f.Subnets, RouteTablesFile: f.RouteTables,
		SecurityGroupsFile: f.SecurityGroups, NetworkInterfacesFile: f.NetworkInterfaces,
	} {
		if p == "" {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			// The *PathError already names the file; wrapping it again would
			// print the path twice.
			var pe *os.PathError
			if errors.As(err, &pe) {
				return nil, &InputError{File: p, Err: pe.Err}
			}
			return nil, &InputError{File: p, Err: err}
		}
		s.Files[name], s.paths[name] = data, p
	}
	return LoadSnapshot(s)
}

// describeJSONError turns decoder errors into a message with a line and
// column, because byte offsets are useless to someone opening the file in
// an editor.
//
// base is where the document that failed starts in data, for files that
// hold several documents.
func describeJSONError(data []byte, base int64, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := position(data, base+syn.Offset)
		return fmt.Errorf("malformed JSON at line %d, column %d: %v", line, col, syn)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		line, col := position(data, base+typ.Offset)
		where := "top level"
		if typ.Field != "" {
			where = "field " + typ.Field
		}
		return fmt.Errorf("unexpected JSON at line %d, column %d: %s holds a %s, expected %s", line, col, where, typ.Value, typ.Type)
	}
	return fmt.Errorf("malformed JSON: %v", err)
}

func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}
