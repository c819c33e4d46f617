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

// Load reads a snapshot folder holding the five standard files (see
// FilesIn); every one of them must exist.
func Load(dir string) (*Inventory, error) {
	return LoadFiles(FilesIn(dir))
}

// LoadFiles reads the given describe-* outputs, skipping empty paths, and
// returns the classified inventory. Unknown JSON fields are ignored, since
// the CLI prints far more than the audit needs and AWS keeps adding fields.
func LoadFiles(f Files) (*Inventory, error) {
	if f == (Files{}) {
		return nil, ErrNoInput
	}
	inv := &Inventory{}

	if f.VPCs != "" {
		var doc struct{ Vpcs *[]rawVPC }
		if err := readDoc(f.VPCs, "Vpcs", "describe-vpcs", &doc, func() bool { return doc.Vpcs != nil }); err != nil {
			return nil, err
		}
		for _, r := range *doc.Vpcs {
			inv.VPCs = append(inv.VPCs, r.toVPC())
		}
	}
	if f.Subnets != "" {
		var doc struct{ Subnets *[]rawSubnet }
		if err := readDoc(f.Subnets, "Subnets", "describe-subnets", &doc, func() bool { return doc.Subnets != nil }); err != nil {
			return nil, err
		}
		for _, r := range *doc.Subnets {
			inv.Subnets = append(inv.Subnets, r.toSubnet())
		}
	}
	if f.RouteTables != "" {
		var doc struct{ RouteTables *[]rawRouteTable }
		if err := readDoc(f.RouteTables, "RouteTables", "describe-route-tables", &doc, func() bool { return doc.RouteTables != nil }); err != nil {
			return nil, err
		}
		for _, r := range *doc.RouteTables {
			inv.RouteTables = append(inv.RouteTables, r.toRouteTable())
		}
	}
	if f.SecurityGroups != "" {
		var doc struct{ SecurityGroups *[]rawSecurityGroup }
		if err := readDoc(f.SecurityGroups, "SecurityGroups", "describe-security-groups", &doc, func() bool { return doc.SecurityGroups != nil }); err != nil {
			return nil, err
		}
		for _, r := range *doc.SecurityGroups {
			inv.SecurityGroups = append(inv.SecurityGroups, r.toSecurityGroup())
		}
	}
	if f.NetworkInterfaces != "" {
		var doc struct{ NetworkInterfaces *[]rawInterface }
		if err := readDoc(f.NetworkInterfaces, "NetworkInterfaces", "describe-network-interfaces", &doc, func() bool { return doc.NetworkInterfaces != nil }); err != nil {
			return nil, err
		}
		for _, r := range *doc.NetworkInterfaces {
			inv.Interfaces = append(inv.Interfaces, r.toInterface())
		}
	}

	inv.Classify()
	return inv, nil
}

// readDoc decodes one file into doc and checks its top-level key is there.
// The key check catches the commonest collection mistake, files swapped or
// saved from the wrong command, which would otherwise decode to an empty
// and silently "clean" inventory.
func readDoc(path, key, command string, doc any, hasKey func() bool) error {
	data, err := os.ReadFile(path)
	if err != nil {
		// The *PathError already names the file; wrapping it again would
		// print the path twice.
		var pe *os.PathError
		if errors.As(err, &pe) {
			return &InputError{File: path, Err: pe.Err}
		}
		return &InputError{File: path, Err: err}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &InputError{File: path, Err: fmt.Errorf("empty file; expected the JSON output of aws ec2 %s", command)}
	}
	if err := json.Unmarshal(data, doc); err != nil {
		return &InputError{File: path, Err: describeJSONError(data, err)}
	}
	if !hasKey() {
		return &InputError{File: path, Err: fmt.Errorf("no top-level %q key; expected the JSON output of aws ec2 %s", key, command)}
	}
	return nil
}

// describeJSONError turns decoder errors into a message with a line and
// column, because byte offsets are useless to someone opening the file in
// an editor.
func describeJSONError(data []byte, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := position(data, syn.Offset)
		return fmt.Errorf("malformed JSON at line %d, column %d: %v", line, col, syn)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		line, col := position(data, typ.Offset)
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
