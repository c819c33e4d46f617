// Package sim runs the real program against Pulumi's mock engine and records
// every resource it registers: type, name, inputs, parent, dependencies and
// options. The offline plan, the policy suite, the change reports and the
// benchmarks all read this record; none of them needs an AWS account or the
// Pulumi CLI.
package sim

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
)

// AccountID is the account the simulated engine pretends to deploy into
// unless it is told another one (Monitor.AccountID): the offline plan takes
// the stack's own aws:allowedAccountIds, so the ARNs a stack file names are
// checked against the account it is meant for.
const AccountID = "123456789012"

// Resource is one registered resource as the engine saw it.
type Resource struct {
	URN    string `json:"urn"`
	Type   string `json:"type"`
	Name   string `json:"name"`
	Parent string `json:"parent,omitempty"`
	Custom bool   `json:"custom"`
	ID     string `json:"id,omitempty"`

	Inputs  map[string]any `json:"inputs,omitempty"`
	Outputs map[string]any `json:"-"`
	// SecretInputs are the top-level inputs the program sent marked secret.
	SecretInputs []string `json:"secretInputs,omitempty"`

	Dependencies         []string            `json:"dependencies,omitempty"`
	PropertyDependencies map[string][]string `json:"propertyDependencies,omitempty"`

	Protect             bool     `json:"protect,omitempty"`
	ImportID            string   `json:"importId,omitempty"`
	IgnoreChanges       []string `json:"ignoreChanges,omitempty"`
	ReplaceOnChanges    []string `json:"replaceOnChanges,omitempty"`
	DeleteBeforeReplace bool     `json:"deleteBeforeReplace,omitempty"`
	RetainOnDelete      bool     `json:"retainOnDelete,omitempty"`
	Aliases             []string `json:"aliases,omitempty"`
}

// Graph is everything one run registered, sorted by URN.
type Graph struct {
	Project   string         `json:"project"`
	Stack     string         `json:"stack"`
	Resources []Resource     `json:"resources"`
	Exports   map[string]any `json:"exports,omitempty"`

	byURN map[string]int
}

// Get returns the resource with the URN.
func (g *Graph) Get(urn string) (Resource, bool) {
	if g.byURN == nil {
		g.index()
	}
	i, ok := g.byURN[urn]
	if !ok {
		return Resource{}, false
	}
	return g.Resources[i], true
}

func (g *Graph) index() {
	g.byURN = make(map[string]int, len(g.Resources))
	for i, r := range g.Resources {
		g.byURN[r.URN] = i
	}
}

// OfType returns the resources of a type token, in URN order.
func (g *Graph) OfType(token string) []Resource {
	var out []Resource
	for _, r := range g.Resources {
		if r.Type == token {
			out = append(out, r)
		}
	}
	return out
}

// Named returns the resource of a type with a logical name.
func (g *Graph) Named(token, name string) (Resource, bool) {
	for _, r := range g.Resources {
		if r.Type == token && r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// ByID returns the resource whose simulated physical ID is id.
func (g *Graph) ByID(id string) (Resource, bool) {
	for _, r := range g.Resources {
		if r.ID == id && id != "" {
			return r, true
		}
	}
	return Resource{}, false
}

// Children returns the direct children of urn.
func (g *Graph) Children(urn string) []Resource {
	var out []Resource
	for _, r := range g.Resources {
		if r.Parent == urn {
			out = append(out, r)
		}
	}
	return out
}

// CountByType counts the custom (cloud) resources per type.
func (g *Graph) CountByType() map[string]int {
	out := map[string]int{}
	for _, r := range g.Resources {
		if r.Custom {
			out[r.Type]++
		}
	}
	return out
}

// Custom counts cloud resources, leaving out components.
func (g *Graph) Custom() int {
	n := 0
	for _, r := range g.Resources {
		if r.Custom {
			n++
		}
	}
	return n
}

// JSON renders the graph for saving and later comparison.
func (g *Graph) JSON() ([]byte, error) { return json.MarshalIndent(g, "", "  ") }

// Monitor is a pulumi.MockResourceMonitor that fabricates plausible cloud
// outputs (IDs, ARNs, addresses) and records what it was asked to create.
type Monitor struct {
	Project, Stack, Region string
	// Running simulates data stores that already exist in the account: the
	// engine version each runs, by Aurora cluster identifier or ElastiCache
	// replication group ID. Nil: none exists (a first deployment).
	Running map[string]string
	// AccountID is the caller's account (getCallerIdentity) and the account of
	// every fabricated ARN; NewMonitor sets the package default.
	AccountID string

	// Prior, when set, is the state an earlier run left: a resource it holds
	// keeps its earlier value for every input its ignoreChanges names, as the
	// engine does on an update. Nil models a first deployment.
	Prior *Graph
	// Salt varies what the data sources that draw random values return (a
	// password), so two runs can be told apart; "" draws the same every run.
	Salt string

	mu        sync.Mutex
	resources map[string]*Resource
	exports   map[string]any
	dupes     []string
}

// NewMonitor returns an empty monitor.
func NewMonitor(project, stack, region string) *Monitor {
	return &Monitor{Project: project, Stack: stack, Region: region, AccountID: AccountID, resources: map[string]*Resource{}, exports: map[string]any{}}
}

// Graph returns what has been recorded; call it after pulumi.RunErr returns.
func (m *Monitor) Graph() (*Graph, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.dupes) > 0 {
		return nil, fmt.Errorf("duplicate resource URNs (two resources with one name): %s", strings.Join(m.dupes, ", "))
	}
	g := &Graph{Project: m.Project, Stack: m.Stack, Exports: map[string]any{}}
	for _, r := range m.resources {
		g.Resources = append(g.Resources, *r)
	}
	sort.Slice(g.Resources, func(i, j int) bool { return g.Resources[i].URN < g.Resources[j].URN })
	for k, v := range m.exports {
		g.Exports[k] = v
	}
	g.index()
	return g, nil
}

// RecordExport stores a resolved stack output, normalised through JSON so
// readers see the same shapes (maps, []any, float64) whatever Go type produced it.
func (m *Monitor) RecordExport(name string, v any) {
	if b, err := json.Marshal(v); err == nil {
		var norm any
		if json.Unmarshal(b, &norm) == nil {
			v = norm
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.exports[name] = v
}

func (m *Monitor) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.Stack), tokens.PackageName(m.Project), parentType, tokens.Type(typ), name))
}

// NewResource implements pulumi.MockResourceMonitor.
func (m *Monitor) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rpc := args.RegisterRPC
	r := &Resource{
		Type:   args.TypeToken,
		Name:   args.Name,
		Custom: args.Custom,
		Inputs: args.Inputs.Mappable(),
	}
	if rpc != nil {
		r.Parent = rpc.GetParent()
		r.URN = m.urn(r.Parent, r.Type, r.Name)
		r.Dependencies = sortedCopy(rpc.GetDependencies())
		if pd := rpc.GetPropertyDependencies(); len(pd) > 0 {
			r.PropertyDependencies = map[string][]string{}
			for k, v := range pd {
				r.PropertyDependencies[k] = sortedCopy(v.GetUrns())
			}
		}
		r.Protect = rpc.GetProtect()
		r.ImportID = rpc.GetImportId()
		r.IgnoreChanges = sortedCopy(rpc.GetIgnoreChanges())
		r.ReplaceOnChanges = sortedCopy(rpc.GetReplaceOnChanges())
		r.DeleteBeforeReplace = rpc.GetDeleteBeforeReplace()
		r.RetainOnDelete = rpc.GetRetainOnDelete()
		for _, a := range rpc.GetAliases() {
			if u := a.GetUrn(); u != "" {
				r.Aliases = append(r.Aliases, u)
			} else if s := a.GetSpec(); s != nil {
				r.Aliases = append(r.Aliases, "name="+s.GetName())
			}
		}
	}
	for k, v := range args.Inputs {
		if v.ContainsSecrets() {
			r.SecretInputs = append(r.SecretInputs, string(k))
		}
	}
	sort.Strings(r.SecretInputs)
	state := args.Inputs.Copy()
	if m.Prior != nil && len(r.IgnoreChanges) > 0 {
		if old, ok := m.Prior.Get(r.URN); ok {
			for _, path := range r.IgnoreChanges {
				key := resource.PropertyKey(path)
				if v, had := old.Inputs[path]; had && !strings.ContainsAny(path, ".[") {
					state[key] = resource.NewPropertyValueRepl(v, nil, replaceSecret)
					r.Inputs[path] = v
				}
			}
		}
	}
	id := ""
	if args.Custom {
		id = args.ID
		if id == "" {
			id = physicalID(r.Type, r.Name)
		}
		fabricate(state, r.Type, r.Name, id, m.Region, m.account())
	}
	r.ID = id
	r.Outputs = state.Mappable()

	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.resources[r.URN]; dup {
		m.dupes = append(m.dupes, r.URN)
		return "", nil, fmt.Errorf("duplicate resource URN %s", r.URN)
	}
	m.resources[r.URN] = r
	return id, state, nil
}

// account is the simulated caller's account.
func (m *Monitor) account() string {
	if m.AccountID == "" {
		return AccountID
	}
	return m.AccountID
}

// Call implements pulumi.MockResourceMonitor for the data sources the program reads.
func (m *Monitor) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		// Sorted by name, IDs beside them, as the provider returns them. Every
		// account maps names to physical zones its own way, so the simulated
		// mapping is a rotation that depends on the account: us-east-1a is
		// not use1-az1 everywhere.
		var names, ids []any
		shift := int(fnv32(m.account()) % 6)
		for i, l := range "abcdef" {
			names = append(names, fmt.Sprintf("%s%c", m.Region, l))
			ids = append(ids, fmt.Sprintf("%s-az%d", awsenv.ZoneIDPrefix(m.Region), (i+shift)%6+1))
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"names": names, "zoneIds": ids, "id": m.Region, "groupNames": []any{m.Region},
		}), nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{
			"accountId": m.account(), "arn": "arn:aws:iam::" + m.account() + ":user/offline-plan",
			"userId": "AIDAOFFLINEPLAN", "id": m.account(),
		}), nil
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{"name": m.Region, "id": m.Region}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}), nil
	case "aws:ssm/getParameter:getParameter":
		name, _ := args.Args["name"].V.(string)
		return resource.NewPropertyMapFromMap(map[string]any{
			"name": name, "value": "ami-0" + hexHash(name, 16), "type": "String", "id": name,
		}), nil
	case "aws:ec2/getAmi:getAmi":
		return resource.NewPropertyMapFromMap(map[string]any{"id": "ami-0" + hexHash("ami", 16)}), nil
	case "aws:rds/getClusters:getClusters":
		var found []any
		if f, ok := args.Args["filters"]; ok && f.IsArray() {
			for _, filter := range f.ArrayValue() {
				if !filter.IsObject() {
					continue
				}
				vals := filter.ObjectValue()["values"]
				if !vals.IsArray() {
					continue
				}
				for _, v := range vals.ArrayValue() {
					if _, ok := m.Running[v.StringValue()]; ok && v.IsString() {
						found = append(found, v.StringValue())
					}
				}
			}
		}
		return resource.NewPropertyMapFromMap(map[string]any{"clusterIdentifiers": found, "clusterArns": []any{}, "id": m.Region}), nil
	case "aws:rds/getCluster:getCluster":
		id, _ := args.Args["clusterIdentifier"].V.(string)
		v, ok := m.Running[id]
		if !ok {
			return nil, fmt.Errorf("reading RDS Cluster (%s): couldn't find resource", id)
		}
		return resource.NewPropertyMapFromMap(map[string]any{"clusterIdentifier": id, "engineVersion": v, "id": id}), nil
	case "aws:elasticache/getReplicationGroup:getReplicationGroup":
		id, _ := args.Args["replicationGroupId"].V.(string)
		if _, ok := m.Running[id]; !ok {
			// What the provider answers for a group that does not exist (its
			// finder wraps ReplicationGroupNotFoundFault in a retry.NotFoundError).
			return nil, fmt.Errorf("reading ElastiCache Replication Group (%s): couldn't find resource", id)
		}
		return resource.NewPropertyMapFromMap(map[string]any{"replicationGroupId": id, "memberClusters": []any{id + "-001"}, "id": id}), nil
	case "aws:elasticache/getCluster:getCluster":
		id, _ := args.Args["clusterId"].V.(string)
		v, ok := m.Running[strings.TrimSuffix(id, "-001")]
		if !ok {
			return nil, fmt.Errorf("reading ElastiCache Cache Cluster (%s): couldn't find resource", id)
		}
		return resource.NewPropertyMapFromMap(map[string]any{"clusterId": id, "engineVersion": v, "id": id}), nil
	case "aws:route53/getZone:getZone":
		// A public zone of that name; its ID is made up, as an account's would be.
		name, _ := args.Args["name"].V.(string)
		id := "Z" + strings.ToUpper(hexHash("zone:"+name, 20))
		return resource.NewPropertyMapFromMap(map[string]any{
			"name": strings.TrimSuffix(name, ".") + ".", "zoneId": id, "id": id, "privateZone": false,
		}), nil
	case "aws:secretsmanager/getRandomPassword:getRandomPassword":
		n := 32
		if v, ok := args.Args["passwordLength"]; ok && v.IsNumber() {
			n = int(v.NumberValue())
		}
		return resource.NewPropertyMapFromMap(map[string]any{"randomPassword": hexHash("random-password"+m.Salt, n), "id": "random-password"}), nil
	}
	return args.Args, nil
}

// ID prefixes AWS uses, by resource type.
var idPrefix = map[string]string{
	"aws:ec2/vpc:Vpc":                                           "vpc-",
	"aws:ec2/subnet:Subnet":                                     "subnet-",
	"aws:ec2/routeTable:RouteTable":                             "rtb-",
	"aws:ec2/internetGateway:InternetGateway":                   "igw-",
	"aws:ec2/natGateway:NatGateway":                             "nat-",
	"aws:ec2/eip:Eip":                                           "eipalloc-",
	"aws:ec2/securityGroup:SecurityGroup":                       "sg-",
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":         "sg-",
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   "sgr-",
	"aws:ec2/vpcEndpoint:VpcEndpoint":                           "vpce-",
	"aws:ec2/flowLog:FlowLog":                                   "fl-",
	"aws:ec2/launchTemplate:LaunchTemplate":                     "lt-",
	"aws:ec2/routeTableAssociation:RouteTableAssociation":       "rtbassoc-",
	"aws:ec2clientvpn/endpoint:Endpoint":                        "cvpn-endpoint-",
	"aws:ec2clientvpn/networkAssociation:NetworkAssociation":    "cvpn-assoc-",
	"aws:kms/key:Key":                                           "",
}

func physicalID(typ, name string) string {
	if p, ok := idPrefix[typ]; ok {
		if typ == "aws:kms/key:Key" {
			h := hexHash(name, 32)
			return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
		}
		return p + hexHash(name, 17)
	}
	return name + "-" + hexHash(name, 7)
}

// fabricate fills the computed outputs the program and its tools read.
func fabricate(state resource.PropertyMap, typ, name, id, region, account string) {
	set := func(k string, v any) {
		if _, ok := state[resource.PropertyKey(k)]; !ok {
			state[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
		}
	}
	mod := strings.Split(strings.TrimPrefix(typ, "aws:"), "/")[0]
	set("arn", fmt.Sprintf("arn:aws:%s:%s:%s:%s/%s", mod, region, account, strings.ToLower(typ[strings.LastIndex(typ, ":")+1:]), id))
	// A name prefix gets what the provider appends to it: a unique suffix
	// (26 characters) fixed at creation and kept in the state.
	if v, ok := state["namePrefix"]; ok && v.IsString() {
		set("name", v.StringValue()+hexHash(typ+"/"+name, 26))
	}
	set("name", name)
	switch typ {
	case "aws:ec2/eip:Eip":
		h := fnv32(name)
		set("publicIp", fmt.Sprintf("198.51.100.%d", 1+h%254))
		set("allocationId", id)
	case "aws:ec2/vpcEndpoint:VpcEndpoint":
		set("prefixListId", "pl-"+hexHash(name, 8))
	case "aws:lb/loadBalancer:LoadBalancer":
		set("dnsName", name+"-"+hexHash(name, 8)+"."+region+".elb.amazonaws.com")
		set("arnSuffix", "app/"+name+"/"+hexHash(name, 16))
		set("zoneId", "Z35SXDOTRQ7X7K")
	case "aws:ec2/launchTemplate:LaunchTemplate":
		set("latestVersion", 1)
	case "aws:lb/targetGroup:TargetGroup":
		set("arnSuffix", "targetgroup/"+name+"/"+hexHash(name, 16))
	case "aws:rds/cluster:Cluster":
		set("clusterResourceId", "cluster-"+strings.ToUpper(hexHash("resource-"+name, 26)))
		set("endpoint", name+".cluster-"+hexHash(region, 12)+"."+region+".rds.amazonaws.com")
		set("readerEndpoint", name+".cluster-ro-"+hexHash(region, 12)+"."+region+".rds.amazonaws.com")
		set("port", 5432)
		set("masterUserSecrets", []any{map[string]any{
			"secretArn":    fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:rds!cluster-%s", region, account, hexHash(name, 12)),
			"secretStatus": "active",
		}})
	case "aws:rds/clusterInstance:ClusterInstance":
		set("endpoint", name+"."+hexHash(region, 12)+"."+region+".rds.amazonaws.com")
	case "aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/user:User", "aws:elasticache/userGroup:UserGroup":
		// ElastiCache ARNs are <kind>:<id>, and the id is the one the program chose.
		kind := map[string]string{"aws:elasticache/replicationGroup:ReplicationGroup": "replicationgroup",
			"aws:elasticache/user:User": "user", "aws:elasticache/userGroup:UserGroup": "usergroup"}[typ]
		idKey := map[string]string{"replicationgroup": "replicationGroupId", "user": "userId", "usergroup": "userGroupId"}[kind]
		own := id
		if v, ok := state[resource.PropertyKey(idKey)]; ok && v.IsString() {
			own = v.StringValue()
		}
		state["arn"] = resource.NewPropertyValue(fmt.Sprintf("arn:aws:elasticache:%s:%s:%s:%s", region, AccountID, kind, own))
		if kind != "replicationgroup" {
			break
		}
		set("primaryEndpointAddress", "master."+name+"."+hexHash(region, 6)+".use1.cache.amazonaws.com")
		set("readerEndpointAddress", "replica."+name+"."+hexHash(region, 6)+".use1.cache.amazonaws.com")
	case "aws:ec2clientvpn/endpoint:Endpoint":
		set("dnsName", "*."+id+".prod.clientvpn."+region+".amazonaws.com")
	case "aws:kms/key:Key":
		set("keyId", id)
		state["arn"] = resource.NewPropertyValue(fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, account, id))
	case "aws:acm/certificate:Certificate":
		// One DNS validation record per name, as ACM hands them out.
		var opts []any
		names := []string{}
		if v, ok := state["domainName"]; ok && v.IsString() {
			names = append(names, v.StringValue())
		}
		if v, ok := state["subjectAlternativeNames"]; ok && v.IsArray() {
			for _, n := range v.ArrayValue() {
				if n.IsString() {
					names = append(names, n.StringValue())
				}
			}
		}
		for _, n := range names {
			base := strings.TrimPrefix(n, "*.")
			opts = append(opts, map[string]any{
				"domainName":          n,
				"resourceRecordName":  "_" + hexHash("acm:"+base, 32) + "." + base + ".",
				"resourceRecordType":  "CNAME",
				"resourceRecordValue": "_" + hexHash("acm-value:"+base, 32) + ".acm-validations.aws.",
			})
		}
		set("domainValidationOptions", opts)
	case "aws:acm/certificateValidation:CertificateValidation":
		if v, ok := state["certificateArn"]; ok {
			set("certificateArn", v.V)
		}
	case "aws:route53/record:Record":
		if v, ok := state["name"]; ok && v.IsString() {
			set("fqdn", strings.TrimSuffix(v.StringValue(), "."))
		}
	case "aws:iam/role:Role":
		state["arn"] = resource.NewPropertyValue(fmt.Sprintf("arn:aws:iam::%s:role/%s", account, name))
	case "aws:cloudwatch/logGroup:LogGroup":
		n := name
		if v, ok := state["name"]; ok && v.IsString() {
			n = v.StringValue()
		}
		state["arn"] = resource.NewPropertyValue(fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, account, n))
	}
}

// replaceSecret turns a secret recorded by Mappable back into a secret value.
func replaceSecret(v any) (resource.PropertyValue, bool) {
	if s, ok := v.(*resource.Secret); ok {
		return resource.MakeSecret(s.Element), true
	}
	return resource.PropertyValue{}, false
}

func hexHash(s string, n int) string {
	h := fnv.New128a()
	h.Write([]byte(s))
	x := fmt.Sprintf("%x", h.Sum(nil))
	for len(x) < n {
		x += x
	}
	return x[:n]
}

func fnv32(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

func sortedCopy(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}

// WithConfig returns a run option that hands the program its stack config, the
// same "project:key" -> string map the Pulumi CLI passes to a real run.
func WithConfig(values map[string]string) pulumi.RunOption {
	return func(info *pulumi.RunInfo) {
		info.Config = values
	}
}

// Lookup follows a path such as "vpcConfig.subnetIds" or
// "networkInterfaces[].securityGroups" through a resource's plain inputs and
// returns every non-nil value found; "[]" after a key walks each list element.
func Lookup(m map[string]any, path string) []any {
	cur := []any{m}
	for _, part := range strings.Split(path, ".") {
		var next []any
		list := strings.HasSuffix(part, "[]")
		key := strings.TrimSuffix(part, "[]")
		for _, c := range cur {
			obj, ok := c.(map[string]any)
			if !ok {
				continue
			}
			v, ok := obj[key]
			if !ok || v == nil {
				continue
			}
			if list {
				if arr, ok := v.([]any); ok {
					next = append(next, arr...)
				}
				continue
			}
			next = append(next, v)
		}
		cur = next
	}
	return cur
}
