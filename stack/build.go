package stack

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"sync"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/access"
	"github.com/acme/platform/dataprotect"
	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/legacy"
	"github.com/acme/platform/network"
	"github.com/acme/platform/ops"
	"github.com/acme/platform/security"
)

// Design is everything decided before the first resource is registered: the
// account facts, the zones, the address plan. Any problem found while making
// it stops the run with nothing created.
type Design struct {
	Config *Config
	Env    awsenv.Env
	AZs    []string
	// ZoneIDs maps each zone of AZs to its zone ID, when the account said.
	ZoneIDs map[string]string
	Plan    network.Plan
	// Rules is the security model: one group per workload and every allowed edge.
	Rules *security.Graph
	// Endpoints are the interface endpoint services to create.
	Endpoints []string
	// Warnings are what a reviewer should know about the design (an ARN of
	// another account, say), each naming its config key; Platform.Warnings
	// lists them and a real run logs them in the preview.
	Warnings []string
	// Running is the engine version each existing data store runs, by
	// workload name (see readRunning); absent for a store not created yet.
	Running map[string]string
}

// NewDesign turns a validated config and the region's available zones (by
// name) into a design.
func NewDesign(cfg *Config, env awsenv.Env, availableAZs []string) (*Design, error) {
	return NewDesignIn(cfg, env, Zones{Names: availableAZs})
}

// NewDesignIn is NewDesign with the zones' IDs, which resolve zones the
// config names by ID and are shown beside each zone name.
func NewDesignIn(cfg *Config, env awsenv.Env, zones Zones) (*Design, error) {
	var p problems.List
	azs, err := chooseAZs(cfg.Network, cfg.Region, zones)
	if err != nil {
		p.Merge(Project+":network", err)
	}
	d := &Design{Config: cfg, Env: env, AZs: azs, ZoneIDs: zones.idsOf(azs)}
	if len(azs) > 0 {
		if cfg.Network.Existing != nil {
			var taken []netip.Prefix
			existing := cfg.Network.ExistingSubnets()
			for _, e := range existing {
				taken = append(taken, e.Prefix)
			}
			d.Plan, err = network.PlanInFreeSpace(cfg.Network.CIDR, azs, cfg.Network.TierSpecs(), taken, cfg.Network.Pinned())
			d.Plan.Existing = existing
		} else {
			d.Plan, err = network.NewPlan(cfg.Network.CIDR, azs, cfg.Network.TierSpecs())
		}
		if err != nil {
			p.Add(Project+":network", "%v", err)
		}
		if cfg.ImportOnly() {
			// Planned and pinned, but created by the stage after this one.
			d.Plan.Subnets = nil
		}
	}
	if len(azs) > 0 && err == nil {
		d.Endpoints = append([]string(nil), cfg.Network.Endpoints...)
		sort.Strings(d.Endpoints)
		d.Rules, err = security.Build(d.securityWorkloads(), cfg.Security, d.securityEnv())
		p.Merge(Project+":security", err)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	d.Warnings = append(d.Warnings, cfg.adoptionWarnings()...)
	return d, nil
}

// securityWorkloads lists every workload that gets its own security group:
// the configured ones and the built-in interface endpoints.
func (d *Design) securityWorkloads() []security.Workload {
	var out []security.Workload
	for _, w := range d.Config.Workloads.Summaries(Project + ":workloads") {
		sw := security.Workload{
			Name: w.Name, Kind: security.Kind(w.Kind),
			InternetEgress: w.InternetEgress, InternetFacing: w.InternetFacing, Key: w.Key,
			ExtraGroups: len(d.Config.Workloads.LegacyGroups(w.Name)),
		}
		if w.Port > 0 {
			sw.Port = security.TCP(w.Port)
		}
		out = append(out, sw)
	}
	if len(d.Endpoints) > 0 {
		out = append(out, security.Workload{Name: "endpoints", Kind: security.KindEndpoints, Port: security.HTTPS, Key: Project + ":network.endpoints"})
	}
	if d.Config.Access.VPN() != nil {
		out = append(out, security.Workload{Name: "vpn", Kind: security.KindVPN, Key: Project + ":access.clientVpn"})
	}
	return out
}

func (d *Design) securityEnv() security.Env {
	env := security.Env{InterfaceEndpoints: len(d.Endpoints) > 0}
	if vpn := d.Config.Access.VPN(); vpn != nil {
		env.VPNClientCIDR = vpn.ClientCIDR
	}
	if d.Plan.Has(network.TierPrivate) || d.Plan.Has(network.TierIsolated) {
		env.GatewayEndpoints = append(env.GatewayEndpoints, network.GatewayServices...)
	}
	env.Legacy = d.Config.LegacyGroupNames()
	if snap := d.Config.Snapshot; snap != nil {
		env.Snapshot = map[string]string{}
		for _, g := range snap.SecurityGroups {
			env.Snapshot[g.ID] = g.Name
		}
	}
	return env
}

// Platform is what Build registered.
type Platform struct {
	Design    *Design
	Vpc       *network.Vpc
	Security  *security.Policy
	Endpoints *network.Endpoints
	Sessions  *access.SessionManager
	VPN       *access.ClientVPN
	Workloads *Workloads
	// Alarms is the alarm topic and every workload's alarms.
	Alarms *ops.Alarms
	// Edge is the load balancers' names, certificates and web ACLs.
	Edge *Edge
	// Data is the keys per data class and the backup plan (nil when the stack
	// holds no data that needs them).
	Data *dataprotect.DataProtection
	// Legacy is what a migration imported of the old account (nil without
	// platform:migration).
	Legacy *legacy.Account

	// warnings holds Warnings once computed: the program logs them and the
	// offline plan prints them, and the idle-NAT advice among them parses
	// the whole config again.
	warnings struct {
		once sync.Once
		list []string
	}
}

// Build registers the whole platform for a validated config.
func Build(ctx *pulumi.Context, cfg *Config) (*Platform, error) {
	env := awsenv.Env{Region: cfg.Region, Partition: awsenv.PartitionOf(cfg.Region)}
	caller, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("reading the caller's account: %w", err)
	}
	env.AccountID = caller.AccountId
	accountWarnings, err := cfg.CheckAccount(env.AccountID)
	if err != nil {
		return nil, err
	}
	zones, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		State: pulumi.StringRef("available"),
		// Opt-in zones (Local Zones, Wavelength) lack most services this platform uses.
		Filters: []aws.GetAvailabilityZonesFilter{{Name: "opt-in-status", Values: []string{"opt-in-not-required"}}},
	})
	if err != nil {
		return nil, fmt.Errorf("listing availability zones: %w", err)
	}
	d, err := NewDesignIn(cfg, env, Zones{Names: zones.Names, IDs: zones.ZoneIds})
	if err != nil {
		return nil, err
	}
	d.Warnings = append(d.Warnings, accountWarnings...)
	if d.Running, err = readRunning(ctx, cfg); err != nil {
		return nil, err
	}
	if err := checkRunning(cfg, d.Running); err != nil {
		return nil, err
	}
	d.Warnings = append(d.Warnings, dataStoreNotes(cfg, d.Running)...)
	return Register(ctx, d)
}

// Register creates the resources of a design. Data flows one way:
// network, then security, then compute, then outputs.
func Register(ctx *pulumi.Context, d *Design) (*Platform, error) {
	cfg := d.Config
	out := &Platform{Design: d}
	var err error
	out.Vpc, err = network.NewVpc(ctx, cfg.Name, &network.VpcArgs{
		Plan:     d.Plan,
		NAT:      cfg.Network.NAT,
		FlowLogs: cfg.Network.FlowLogs,
		Env:      d.Env,
		Protect:  cfg.Protect,
		Adopt:    adoptArgs(cfg.Network.Existing),
		// The first stage of a migration imports and creates nothing.
		ImportOnly: cfg.ImportOnly(),
	})
	if err != nil {
		return nil, err
	}
	if out.Legacy, err = registerLegacy(ctx, d, out); err != nil {
		return nil, err
	}
	if cfg.ImportOnly() {
		if err := registerImportedStores(ctx, d, out); err != nil {
			return nil, err
		}
		return out, registerAdoptedCaches(ctx, d, out)
	}

	prefixLists := map[string]pulumi.StringInput{}
	for svc, ep := range out.Vpc.GatewayEndpoints {
		prefixLists[svc] = ep.PrefixListId
	}
	out.Security, err = security.NewPolicy(ctx, cfg.Name+"-sg", &security.PolicyArgs{
		VpcID:          out.Vpc.VpcID.ToStringOutput(),
		Graph:          d.Rules,
		PrefixListIDs:  prefixLists,
		LegacyGroupIDs: out.legacyGroupIDs(),
	})
	if err != nil {
		return nil, err
	}

	if len(d.Endpoints) > 0 {
		sgID, err := claim(out.Security, "endpoints", cfg.Name+"-vpce")
		if err != nil {
			return nil, err
		}
		out.Endpoints, err = network.NewEndpoints(ctx, cfg.Name+"-vpce", &network.EndpointsArgs{
			Vpc:             out.Vpc,
			Services:        d.Endpoints,
			SecurityGroupID: sgID,
			Env:             d.Env,
			PrivateDNSOff:   cfg.privateDNSOff(d.Endpoints),
		})
		if err != nil {
			return nil, err
		}
	}

	out.Sessions, err = access.NewSessionManager(ctx, cfg.Name+"-sessions", &access.SessionManagerArgs{
		Config:  cfg.Access.SessionManager,
		Env:     d.Env,
		Protect: cfg.Protect,
	})
	if err != nil {
		return nil, err
	}
	if vpn := cfg.Access.VPN(); vpn != nil {
		sgID, err := claim(out.Security, "vpn", cfg.Name+"-vpn")
		if err != nil {
			return nil, err
		}
		private := map[string]pulumi.StringInput{}
		for _, s := range d.Plan.Tier(network.TierPrivate) {
			private[s.AZ] = out.Vpc.Subnets[s.Key()].ID().ToStringOutput()
		}
		isolated := map[string]netip.Prefix{}
		for _, s := range d.Plan.Tier(network.TierIsolated) {
			isolated[s.AZ] = s.Prefix
		}
		out.VPN, err = access.NewClientVPN(ctx, cfg.Name+"-vpn", &access.ClientVPNArgs{
			Config:           *vpn,
			Env:              d.Env,
			VPC:              d.Plan.VPC,
			VpcID:            out.Vpc.VpcID.ToStringOutput(),
			SecurityGroupID:  sgID,
			PrivateSubnetIDs: private,
			IsolatedCIDRs:    isolated,
			LogKMSKeyARN:     out.Sessions.KeyARN,
			Protect:          cfg.Protect,
		})
		if err != nil {
			return nil, err
		}
	}

	// The keys exist before the stores and log groups they encrypt.
	out.Data, err = registerDataProtection(ctx, d)
	if err != nil {
		return nil, err
	}
	out.Workloads, err = registerWorkloads(ctx, d, out)
	if err != nil {
		return nil, err
	}
	if err := coverStores(ctx, out); err != nil {
		return nil, err
	}
	if err := registerEdge(ctx, d, out); err != nil {
		return nil, err
	}
	if err := registerTraffic(ctx, d, out); err != nil {
		return nil, err
	}
	out.Alarms, err = registerAlarms(ctx, d, out)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// claim attaches a workload's group to the one resource that owns it.
func claim(p *security.Policy, workload, owner string) (pulumi.StringOutput, error) {
	g, ok := p.Group(workload)
	if !ok {
		return pulumi.StringOutput{}, fmt.Errorf("security: no group for workload %q", workload)
	}
	return g.Claim(owner)
}

func adoptArgs(e *network.ExistingConfig) *network.AdoptArgs {
	if e == nil {
		return nil
	}
	return &network.AdoptArgs{
		VpcID:                      e.VpcID,
		InternetGatewayID:          e.InternetGatewayID,
		EnableDNSHostnames:         e.EnableDNSHostnames,
		ManageDefaultSecurityGroup: e.ManageDefaultSecurityGroup,
	}
}

// Exports are the stack outputs, camelCase as in the docs.
func (pl *Platform) Exports() map[string]pulumi.Input {
	if pl.Design.Config.ImportOnly() {
		return pl.importOnlyExports()
	}
	ex := map[string]pulumi.Input{
		"vpcId":             pl.Vpc.VpcID,
		"publicSubnetIds":   pl.Vpc.PublicSubnetIDs,
		"privateSubnetIds":  pl.Vpc.PrivateSubnetIDs,
		"isolatedSubnetIds": pl.Vpc.IsolatedSubnetIDs,
		"natPublicIps":      pl.Vpc.NATPublicIPs,
		"securityGroupIds":  pl.Security.GroupIDs(),
		"sessionLogGroup":   pl.Sessions.LogGroupName,
		// For instances of other stacks when this one owns the preferences.
		"sessionPolicyArn": pl.Sessions.PolicyARN,
	}
	if len(pl.Design.ZoneIDs) > 0 {
		ids := pulumi.StringMap{}
		for name, id := range pl.Design.ZoneIDs {
			ids[name] = pulumi.String(id)
		}
		ex["availabilityZoneIds"] = ids
	}
	// The retained log groups' names carry a suffix AWS fixes at creation.
	if pl.Vpc.FlowLogs != nil {
		ex["flowLogGroup"] = pl.Vpc.FlowLogs.LogGroup.Name
	}
	if pl.VPN != nil {
		ex["clientVpnLogGroup"] = pl.VPN.LogGroup.Name
		ex["clientVpnEndpointId"] = pl.VPN.EndpointID
		ex["clientVpnConfigCommand"] = pl.VPN.ExportConfigCommand()
	}
	pl.Workloads.exports(ex)
	pl.opsExports(ex)
	pl.edgeExports(ex)
	return ex
}

// Options adjust a Program run.
type Options struct {
	// ConfigKeys lists every config key the stack sets; see EnvConfigKeys.
	ConfigKeys []string
	// OnExport, when set, receives each stack output once it is resolved.
	OnExport func(name string, value any)
	// OnBuild, when set, receives the platform after registration.
	OnBuild func(*Platform)
}

// Program is the whole Pulumi program: load config, build, export.
func Program(opts Options) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		cfg, err := Load(ctx, opts.ConfigKeys)
		if err != nil {
			return err
		}
		pl, err := Build(ctx, cfg)
		if err != nil {
			return err
		}
		if opts.OnBuild != nil {
			opts.OnBuild(pl)
		}
		// What the offline plan prints under "Warnings" shows in a real
		// preview too, where reviewers read it.
		for _, w := range pl.Warnings() {
			if err := ctx.Log.Warn(w, nil); err != nil {
				return err
			}
		}
		for _, n := range pl.Notes() {
			if err := ctx.Log.Info(n, nil); err != nil {
				return err
			}
		}
		for name, v := range pl.Exports() {
			if opts.OnExport != nil {
				name, hook := name, opts.OnExport
				v = pulumi.ToOutput(v).ApplyT(func(x any) any {
					hook(name, x)
					return x
				})
			}
			ctx.Export(name, v)
		}
		return nil
	}
}

// EnvConfigKeys lists the config keys the Pulumi engine passed to this
// process. The engine hands a Go program its config in PULUMI_CONFIG; the SDK
// reads values from it but offers no way to list them, and listing them is how
// a misspelt key gets caught.
func EnvConfigKeys() []string {
	var m map[string]string
	if err := json.Unmarshal([]byte(os.Getenv(pulumi.EnvConfig)), &m); err != nil {
		return nil
	}
	return Keys(m)
}
