package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// ManifestFile is the file the live reader writes beside the describe
// outputs: the region and, per call, whether it was read. A hand-collected
// folder has none.
const ManifestFile = "audit-read.json"

// ReadStatus says what became of one call.
type ReadStatus string

const (
	// StatusRead: the call's output is in the snapshot.
	StatusRead ReadStatus = "read"
	// StatusDenied: AWS refused the call; Permission names the IAM action.
	StatusDenied ReadStatus = "denied"
	// StatusFailed: the call failed for another reason (after retries).
	StatusFailed ReadStatus = "failed"
	// StatusSkipped: the call needs the output of another that was not read.
	StatusSkipped ReadStatus = "skipped"
	// StatusNotCollected: a hand-collected folder has no file for the call.
	StatusNotCollected ReadStatus = "not-collected"
)

// CallResult is the fate of one call of Calls.
type CallResult struct {
	Service    string     `json:"service"`
	Operation  string     `json:"operation"`
	Status     ReadStatus `json:"status"`
	Permission string     `json:"permission,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// Manifest is the content of ManifestFile.
type Manifest struct {
	Region string       `json:"region,omitempty"`
	Calls  []CallResult `json:"calls"`
}

// Snapshot is a set of describe outputs: a folder on disk, or what the live
// reader read, in the same shape. Files maps a path relative to the folder
// ("vpcs.json", "managed-prefix-list-entries/pl-1.json") to its content.
type Snapshot struct {
	Manifest *Manifest
	Files    map[string][]byte
	// paths maps a file name to the path shown in errors, when it differs.
	paths map[string]string
	// dirs records the per-resource folders found on disk, even empty.
	dirs map[string]bool
}

// ReadSnapshot reads a snapshot folder: the manifest if there is one and
// every file of Calls that exists. Without a manifest (a hand-collected
// folder) the five network files are required.
func ReadSnapshot(dir string) (*Snapshot, error) {
	s := &Snapshot{Files: map[string][]byte{}, paths: map[string]string{}, dirs: map[string]bool{}}
	if data, err := os.ReadFile(filepath.Join(dir, ManifestFile)); err == nil {
		var m Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, &InputError{File: filepath.Join(dir, ManifestFile), Err: describeJSONError(data, 0, err)}
		}
		s.Manifest = &m
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, &InputError{File: filepath.Join(dir, ManifestFile), Err: err}
	}
	for _, c := range Calls {
		if c.File == "" {
			continue
		}
		if strings.HasSuffix(c.File, "/") {
			entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(c.File)))
			if err != nil {
				continue // not collected
			}
			s.dirs[c.File] = true
			for _, e := range entries {
				if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
					continue
				}
				p := filepath.Join(dir, filepath.FromSlash(c.File), e.Name())
				data, err := os.ReadFile(p)
				if err != nil {
					return nil, &InputError{File: p, Err: err}
				}
				s.Files[c.File+e.Name()] = data
				s.paths[c.File+e.Name()] = p
			}
			continue
		}
		p := filepath.Join(dir, c.File)
		data, err := os.ReadFile(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && (s.Manifest != nil || !c.Required) {
				continue
			}
			var pe *os.PathError
			if errors.As(err, &pe) {
				return nil, &InputError{File: p, Err: pe.Err}
			}
			return nil, &InputError{File: p, Err: err}
		}
		s.Files[c.File] = data
		s.paths[c.File] = p
	}
	return s, nil
}

// Save writes the snapshot into dir (created if needed): one file per call
// and the manifest. Files already in dir that the snapshot does not hold are
// left alone.
func (s *Snapshot) Save(dir string) error {
	names := make([]string, 0, len(s.Files))
	for n := range s.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, s.Files[n], 0o644); err != nil {
			return err
		}
	}
	if s.Manifest != nil {
		b, err := json.MarshalIndent(s.Manifest, "", "  ")
		if err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, ManifestFile), append(b, '\n'), 0o644)
	}
	return nil
}

func (s *Snapshot) display(name string) string {
	if p, ok := s.paths[name]; ok {
		return p
	}
	return name
}

// results returns the fate of every call: the manifest's when there is one,
// otherwise read or not collected from the files present.
func (s *Snapshot) results() []CallResult {
	var out []CallResult
	for _, c := range Calls {
		r := CallResult{Service: c.Service, Operation: c.Operation, Status: StatusRead}
		if s.Manifest != nil {
			for _, m := range s.Manifest.Calls {
				if m.Service == c.Service && m.Operation == c.Operation {
					r = m
				}
			}
		} else if c.File == "" {
			// An id-listing call of a hand-collected folder counts as read
			// when the call that needed the ids was.
			next := slices.IndexFunc(Calls, func(n Call) bool { return n.Service == c.Service && n.File != "" })
			if next < 0 || !s.has(Calls[next]) {
				r.Status = StatusNotCollected
			}
		} else if !s.has(c) {
			r.Status = StatusNotCollected
		}
		out = append(out, r)
	}
	return out
}

func (s *Snapshot) has(c Call) bool {
	if strings.HasSuffix(c.File, "/") {
		for n := range s.Files {
			if strings.HasPrefix(n, c.File) {
				return true
			}
		}
		return s.dirs[c.File]
	}
	_, ok := s.Files[c.File]
	return ok
}

// LoadSnapshot decodes a snapshot into a classified inventory.
func LoadSnapshot(s *Snapshot) (*Inventory, error) {
	inv := &Inventory{Reads: s.results()}
	if s.Manifest != nil {
		inv.Region = s.Manifest.Region
	}
	if err := inv.decode(s); err != nil {
		return nil, err
	}
	inv.Classify()
	return inv, nil
}

func (inv *Inventory) decode(s *Snapshot) error {
	call := func(op string) Call {
		for _, c := range Calls {
			if c.Operation == op {
				return c
			}
		}
		panic("audit: no call " + op)
	}
	var err error
	add := func(e error) {
		if err == nil {
			err = e
		}
	}
	// The network files keep their own raw types and converters.
	add(each(s, call("DescribeVpcs"), func(r rawVPC, _ json.RawMessage, _ string) { inv.VPCs = append(inv.VPCs, r.toVPC()) }))
	add(each(s, call("DescribeSubnets"), func(r rawSubnet, _ json.RawMessage, _ string) { inv.Subnets = append(inv.Subnets, r.toSubnet()) }))
	add(each(s, call("DescribeRouteTables"), func(r rawRouteTable, _ json.RawMessage, _ string) {
		inv.RouteTables = append(inv.RouteTables, r.toRouteTable())
	}))
	add(each(s, call("DescribeSecurityGroups"), func(r rawSecurityGroup, _ json.RawMessage, _ string) {
		inv.SecurityGroups = append(inv.SecurityGroups, r.toSecurityGroup())
	}))
	add(each(s, call("DescribeNetworkInterfaces"), func(r rawInterface, _ json.RawMessage, _ string) {
		inv.Interfaces = append(inv.Interfaces, r.toInterface())
	}))
	add(each(s, call("DescribeInstances"), func(r struct{ Instances []Instance }, _ json.RawMessage, _ string) {
		inv.Instances = append(inv.Instances, r.Instances...)
	}))
	add(each(s, call("DescribeNatGateways"), appendTo(&inv.NATGateways)))
	add(each(s, call("DescribeVpcEndpoints"), appendTo(&inv.VPCEndpoints)))
	add(each(s, call("DescribeManagedPrefixLists"), appendTo(&inv.PrefixLists)))
	entriesRead := map[string]bool{}
	entries := map[string][]string{}
	add(each(s, call("GetManagedPrefixListEntries"), func(e struct{ Cidr string }, _ json.RawMessage, id string) {
		entries[id] = append(entries[id], e.Cidr)
	}))
	for n := range s.Files {
		if c := call("GetManagedPrefixListEntries"); strings.HasPrefix(n, c.File) {
			entriesRead[strings.TrimSuffix(path.Base(n), ".json")] = true
		}
	}
	for i := range inv.PrefixLists {
		pl := &inv.PrefixLists[i]
		pl.Entries, pl.EntriesRead = entries[pl.PrefixListId], entriesRead[pl.PrefixListId]
	}
	add(each(s, call("DescribeLoadBalancers"), appendTo(&inv.LoadBalancers)))
	var listeners []Listener
	add(each(s, call("DescribeListeners"), appendTo(&listeners)))
	for _, l := range listeners {
		for i := range inv.LoadBalancers {
			if inv.LoadBalancers[i].LoadBalancerArn == l.LoadBalancerArn {
				inv.LoadBalancers[i].Listeners = append(inv.LoadBalancers[i].Listeners, l)
			}
		}
	}
	add(each(s, call("DescribeDBClusters"), func(r DBCluster, raw json.RawMessage, _ string) {
		r.Raw = raw
		inv.DBClusters = append(inv.DBClusters, r)
	}))
	add(each(s, call("DescribeDBInstances"), func(r DBInstance, raw json.RawMessage, _ string) {
		r.Raw = raw
		inv.DBInstances = append(inv.DBInstances, r)
	}))
	add(each(s, call("DescribeDBSubnetGroups"), func(r DBSubnetGroup, raw json.RawMessage, _ string) {
		r.Raw = raw
		inv.DBSubnetGroups = append(inv.DBSubnetGroups, r)
	}))
	add(each(s, call("DescribeDBClusterParameterGroups"), func(r DBClusterParameterGroup, raw json.RawMessage, _ string) {
		r.Raw = raw
		inv.DBClusterParameterGroups = append(inv.DBClusterParameterGroups, r)
	}))
	params := map[string][]DBParameter{}
	add(each(s, call("DescribeDBClusterParameters"), func(p DBParameter, _ json.RawMessage, group string) {
		params[group] = append(params[group], p)
	}))
	for i := range inv.DBClusterParameterGroups {
		g := &inv.DBClusterParameterGroups[i]
		name := g.DBClusterParameterGroupName
		_, g.ParametersRead = s.Files[call("DescribeDBClusterParameters").File+name+".json"]
		for _, p := range params[name] {
			// --source user is what the commands ask for; a file written
			// without it holds the engine's defaults too.
			if p.Source == "" || p.Source == "user" {
				g.Parameters = append(g.Parameters, p)
			}
		}
	}
	add(each(s, call("DescribeReplicationGroups"), func(r ReplicationGroup, raw json.RawMessage, _ string) {
		r.Raw = raw
		inv.ReplicationGroups = append(inv.ReplicationGroups, r)
	}))
	add(each(s, call("DescribeCacheClusters"), func(r CacheCluster, raw json.RawMessage, _ string) {
		r.Raw = raw
		inv.CacheClusters = append(inv.CacheClusters, r)
	}))
	add(each(s, call("DescribeCacheSubnetGroups"), func(r CacheSubnetGroup, raw json.RawMessage, _ string) {
		r.Raw = raw
		inv.CacheSubnetGroups = append(inv.CacheSubnetGroups, r)
	}))
	add(each(s, call("ListFunctions"), appendTo(&inv.LambdaFunctions)))
	add(each(s, call("DescribeClusters"), appendTo(&inv.ECSClusters)))
	add(each(s, call("DescribeServices"), appendTo(&inv.ECSServices)))
	add(each(s, call("DescribeTasks"), appendTo(&inv.ECSTasks)))
	add(each(s, call("DescribeComputeEnvironments"), appendTo(&inv.BatchComputeEnvironments)))
	add(each(s, call("DescribeJobQueues"), appendTo(&inv.BatchJobQueues)))
	add(each(s, call("DescribeAutoScalingGroups"), appendTo(&inv.AutoScalingGroups)))
	// The account-wide $Latest and $Default call and the numbered ones may
	// return the same version twice.
	add(each(s, call("DescribeLaunchTemplateVersions"), func(v LaunchTemplateVersion, _ json.RawMessage, _ string) {
		if !slices.ContainsFunc(inv.LaunchTemplateVersions, func(o LaunchTemplateVersion) bool {
			return o.LaunchTemplateId == v.LaunchTemplateId && o.VersionNumber == v.VersionNumber
		}) {
			inv.LaunchTemplateVersions = append(inv.LaunchTemplateVersions, v)
		}
	}))
	add(each(s, call("DescribeLaunchConfigurations"), appendTo(&inv.LaunchConfigurations)))
	return err
}

func appendTo[T any](dst *[]T) func(T, json.RawMessage, string) {
	return func(v T, _ json.RawMessage, _ string) { *dst = append(*dst, v) }
}

// each decodes every item of the call's file (or of every file of its
// folder, passing the file's id) and hands it to fn with its raw JSON.
func each[T any](s *Snapshot, c Call, fn func(T, json.RawMessage, string)) error {
	if c.File == "" {
		return nil
	}
	var names []string
	if strings.HasSuffix(c.File, "/") {
		for n := range s.Files {
			if strings.HasPrefix(n, c.File) {
				names = append(names, n)
			}
		}
		sort.Strings(names)
	} else if _, ok := s.Files[c.File]; ok {
		names = []string{c.File}
	}
	for _, n := range names {
		items, raws, err := decodeItems[T](s.Files[n], c)
		if err != nil {
			return &InputError{File: s.display(n), Err: err}
		}
		id := strings.TrimSuffix(path.Base(n), ".json")
		for i := range items {
			fn(items[i], raws[i], id)
		}
	}
	return nil
}

// decodeItems reads the items under the call's top-level key. The file may
// hold several documents one after the other, which is what a shell loop
// over `aws ... describe-*` writes for calls made once per resource; their
// items are concatenated. Such a file may also be empty (no resource to
// loop over). Unknown fields are ignored: the CLI prints far more than the
// audit needs and AWS keeps adding fields.
func decodeItems[T any](data []byte, c Call) ([]T, []json.RawMessage, error) {
	command := "aws " + c.Name()
	if len(bytes.TrimSpace(data)) == 0 {
		if c.Per != "" {
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("empty file; expected the JSON output of %s", command)
	}
	// A struct with one field tagged with the key; encoding/json matches
	// the tag case-insensitively, so "clusters" and "Clusters" both work.
	field := strings.ToUpper(c.Key[:1]) + c.Key[1:]
	docType := reflect.StructOf([]reflect.StructField{{
		Name: field, Type: reflect.TypeFor[*[]T](), Tag: reflect.StructTag(`json:"` + c.Key + `"`),
	}})
	rawType := reflect.StructOf([]reflect.StructField{{
		Name: field, Type: reflect.TypeFor[*[]json.RawMessage](), Tag: reflect.StructTag(`json:"` + c.Key + `"`),
	}})
	var items []T
	var raws []json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var doc json.RawMessage
		if err := dec.Decode(&doc); err == io.EOF {
			break
		} else if err != nil {
			return nil, nil, describeJSONError(data, 0, err)
		}
		start := dec.InputOffset() - int64(len(doc))
		typed := reflect.New(docType)
		if err := json.Unmarshal(doc, typed.Interface()); err != nil {
			return nil, nil, describeJSONError(data, start, err)
		}
		got := typed.Elem().Field(0)
		if got.IsNil() {
			return nil, nil, fmt.Errorf("no top-level %q key; expected the JSON output of %s", c.Key, command)
		}
		rawDoc := reflect.New(rawType)
		if err := json.Unmarshal(doc, rawDoc.Interface()); err != nil {
			return nil, nil, describeJSONError(data, start, err)
		}
		items = append(items, got.Elem().Interface().([]T)...)
		raws = append(raws, rawDoc.Elem().Field(0).Elem().Interface().([]json.RawMessage)...)
	}
	return items, raws, nil
}
