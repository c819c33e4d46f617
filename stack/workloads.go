package stack

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/access"
	"github.com/acme/platform/compute"
	"github.com/acme/platform/dataprotect"
	"github.com/acme/platform/network"
	"github.com/acme/platform/ops"
)

// Workloads are the registered workload components, by workload name.
type Workloads struct {
	LoadBalancers map[string]*compute.LoadBalancer
	Cluster       *compute.Cluster
	Fleets        map[string]*compute.Fleet
	Services      map[string]*compute.Service
	Functions     map[string]*compute.Function
	Batch         map[string]*compute.BatchJob
	Databases     map[string]*compute.Database
	Caches        map[string]*compute.Cache

	region string
	ports  map[string]int
	// viaFleet is, per database, the fleet whose instances operators tunnel
	// through (one the database admits), or "" when there is none.
	viaFleet map[string]string
}

// registerWorkloads creates every workload in its tier with the one security
// group the model made for it. Load balancers come first: a service
// registers with its target group, which must already sit behind a listener.
func registerWorkloads(ctx *pulumi.Context, d *Design, pl *Platform) (*Workloads, error) {
	cfg := d.Config
	w := &Workloads{
		LoadBalancers: map[string]*compute.LoadBalancer{},
		Fleets:        map[string]*compute.Fleet{},
		Services:      map[string]*compute.Service{},
		Functions:     map[string]*compute.Function{},
		Batch:         map[string]*compute.BatchJob{},
		Databases:     map[string]*compute.Database{},
		Caches:        map[string]*compute.Cache{},
		region:        d.Env.Region,
		ports:         map[string]int{},
		viaFleet:      map[string]string{},
	}
	vpc := pl.Vpc
	public := vpc.SubnetIDs(network.TierPublic)
	if !d.Plan.Has(network.TierPublic) {
		// An adopted VPC's public subnets hold the load balancer until a public tier exists.
		var ids pulumi.StringArray
		for _, e := range d.Plan.Existing {
			if e.Public {
				ids = append(ids, vpc.Existing[e.ID].ID().ToStringOutput())
			}
		}
		public = ids.ToStringArrayOutput()
	}
	private := vpc.SubnetIDs(network.TierPrivate)
	isolated := vpc.SubnetIDs(network.TierIsolated)
	var isolatedAZs []string
	for _, s := range d.Plan.Tier(network.TierIsolated) {
		isolatedAZs = append(isolatedAZs, s.AZ)
	}
	names := cfg.Workloads.Names()
	component := func(n string) string { return cfg.Name + "-" + n }

	for _, n := range names {
		spec := cfg.Workloads[n].ALB
		if spec == nil {
			continue
		}
		sg, err := claim(pl.Security, n, component(n))
		if err != nil {
			return nil, err
		}
		// A certificate the stack requests is issued before the listener serves it.
		cert, err := pl.certificateFor(ctx, d, n, *spec)
		if err != nil {
			return nil, err
		}
		w.LoadBalancers[n], err = compute.NewLoadBalancer(ctx, component(n), &compute.LoadBalancerArgs{
			Workload: n, Spec: *spec, Targets: cfg.Workloads.ALBTargets(n),
			VpcID: vpc.VpcID.ToStringOutput(), PublicSubnetIDs: public, PrivateSubnetIDs: private,
			SecurityGroupID: sg, CertificateARN: cert, Env: d.Env, Protect: cfg.Protect,
		})
		if err != nil {
			return nil, err
		}
	}
	targetGroups := func(n string) pulumi.StringArray {
		var out pulumi.StringArray
		for _, a := range cfg.Workloads.RoutedBy(n) {
			out = append(out, w.LoadBalancers[a].TargetGroupARNs[n])
		}
		return out
	}

	// requestLabels are the request-count labels of n's target groups, by alb.
	requestLabels := func(n string) map[string]pulumi.StringInput {
		out := map[string]pulumi.StringInput{}
		for _, a := range cfg.Workloads.RoutedBy(n) {
			out[a] = w.LoadBalancers[a].RequestLabels[n]
		}
		return out
	}

	// Data stores before the workloads that reach them: a consumer's grants
	// and environment name the stores' ARNs and endpoints.
	conns := cfg.Connections()
	for _, n := range names {
		spec := cfg.Workloads[n]
		if spec.Aurora == nil && spec.Cache == nil {
			continue
		}
		sg, err := claim(pl.Security, n, component(n))
		if err != nil {
			return nil, err
		}
		if spec.Aurora != nil {
			w.Databases[n], err = compute.NewDatabase(ctx, component(n), &compute.DatabaseArgs{
				Workload: n, Spec: *spec.Aurora, IsolatedSubnetIDs: isolated, IsolatedAZs: isolatedAZs,
				SecurityGroupID: sg, Env: d.Env, Protect: cfg.Protect,
				RunningVersion: d.Running[n],
				// The stack's logs key (its policy admits CloudWatch Logs for every
				// group of the account and region).
				LogKMSKeyARN:     pl.logsKey(),
				StorageKMSKeyARN: pl.storeKey(n, dataprotect.ClassDatabase), SecretKMSKeyARN: pl.storeKey(n, dataprotect.ClassSecrets),
				Adopt: pl.adoptedArgs(n),
			})
		} else {
			w.Caches[n], err = compute.NewCache(ctx, component(n), &compute.CacheArgs{
				Workload: n, Spec: *spec.Cache, IsolatedSubnetIDs: isolated,
				SecurityGroupID: sg, Consumers: compute.ConsumersOf(conns, n), Env: d.Env, Protect: cfg.Protect,
				RunningVersion:   d.Running[n],
				StorageKMSKeyARN: pl.storeKey(n, dataprotect.ClassCache), SecretKMSKeyARN: pl.dataKey(dataprotect.ClassSecrets),
				Adopted: cfg.AdoptedCache(n), IsolatedSubnetsByAZ: pl.isolatedByAZ(), OldGroupIDs: pl.legacyGroupIDs(),
			})
		}
		if err != nil {
			return nil, err
		}
	}
	reach := stores{databases: w.Databases, caches: w.Caches}

	for _, n := range names {
		spec := cfg.Workloads[n]
		if spec.ALB != nil || spec.Aurora != nil || spec.Cache != nil {
			continue
		}
		sg, err := claim(pl.Security, n, component(n))
		if err != nil {
			return nil, err
		}
		grants, wiring := reach.access(d.Env, spec.Kind, compute.ConnectionsOf(conns, n), cfg.Workloads.Permissions(n))
		switch {
		case spec.EC2 != nil:
			f, err := compute.NewFleet(ctx, component(n), &compute.FleetArgs{
				Workload: n, Spec: *spec.EC2, PrivateSubnetIDs: private, SecurityGroupID: sg,
				TargetGroupARNs: targetGroups(n), RequestLabels: requestLabels(n), Grants: grants, Wiring: wiring,
				ConfigPath: compute.ConfigPath(cfg.Name, n), Env: d.Env, Protect: cfg.Protect,
				DefaultTags: cfg.DefaultTags,
			})
			if err != nil {
				return nil, err
			}
			w.Fleets[n] = f
			if err := pl.Sessions.Attach(ctx, n, f.Role.Name); err != nil {
				return nil, err
			}
		case spec.ECS != nil:
			if w.Cluster == nil {
				// ECS Exec sessions are encrypted with the session key and logged to
				// the session log group: the same terms as Session Manager.
				w.Cluster, err = compute.NewCluster(ctx, cfg.Name+"-ecs", &compute.ClusterArgs{
					ExecLogGroupName: pl.Sessions.LogGroupName, ExecKMSKeyID: pl.Sessions.KeyARN,
					Env: d.Env, Protect: cfg.Protect,
				})
				if err != nil {
					return nil, err
				}
			}
			s, err := compute.NewService(ctx, component(n), &compute.ServiceArgs{
				Workload: n, Spec: *spec.ECS, ClusterARN: w.Cluster.ARN, ClusterName: w.Cluster.Name, PrivateSubnetIDs: private,
				SecurityGroupID: sg, TargetGroupARNs: targetGroups(n), RequestLabels: requestLabels(n), Grants: grants, Wiring: wiring,
				Env: d.Env, Protect: cfg.Protect, LogKMSKeyARN: pl.dataKey(dataprotect.ClassLogs),
			})
			if err != nil {
				return nil, err
			}
			w.Services[n] = s
			if err := pl.Sessions.Attach(ctx, n, s.TaskRole.Name); err != nil {
				return nil, err
			}
		case spec.Lambda != nil:
			w.Functions[n], err = compute.NewFunction(ctx, component(n), &compute.FunctionArgs{
				Workload: n, Spec: *spec.Lambda, PrivateSubnetIDs: private, SecurityGroupID: sg,
				Grants: grants, Wiring: wiring, Env: d.Env, Protect: cfg.Protect, LogKMSKeyARN: pl.dataKey(dataprotect.ClassLogs),
			})
		case spec.Batch != nil:
			w.Batch[n], err = compute.NewBatchJob(ctx, component(n), &compute.BatchJobArgs{
				Workload: n, Spec: *spec.Batch, PrivateSubnetIDs: private, SecurityGroupID: sg,
				Grants: grants, Wiring: wiring, Env: d.Env, Protect: cfg.Protect, LogKMSKeyARN: pl.dataKey(dataprotect.ClassLogs),
			})
		}
		if err != nil {
			return nil, err
		}
	}

	for db := range w.Databases {
		w.ports[db] = cfg.Workloads.ServicePort(db)
		for _, f := range sortedNames(w.Fleets) {
			if cfg.allows(db, f) {
				w.viaFleet[db] = f
				break
			}
		}
	}
	return w, nil
}

// exports adds the workload outputs: maps by workload name, and the plain
// value too when a stack has exactly one workload of a kind.
func (w *Workloads) exports(ex map[string]pulumi.Input) {
	albs := pulumi.StringMap{}
	for n, a := range w.LoadBalancers {
		albs[n] = a.DNSName
	}
	single(ex, "loadBalancerDnsNames", "albDnsName", albs)

	asgs := pulumi.StringMap{}
	sessions := pulumi.StringMap{}
	for n, f := range w.Fleets {
		asgs[n] = f.ASGName
		sessions[n] = access.ShellCommand(w.region, f.ASGName)
	}
	single(ex, "autoScalingGroupNames", "asgName", asgs)
	if len(sessions) > 0 {
		ex["sessionCommands"] = sessions
	}

	if w.Cluster != nil {
		ex["ecsClusterName"] = w.Cluster.Name
	}
	services := pulumi.StringMap{}
	for n, s := range w.Services {
		services[n] = s.ServiceName
	}
	single(ex, "ecsServiceNames", "ecsServiceName", services)

	writers, readers, secrets := pulumi.StringMap{}, pulumi.StringMap{}, pulumi.StringMap{}
	tunnels := pulumi.StringMap{}
	for n, db := range w.Databases {
		writers[n] = db.Endpoint
		readers[n] = db.ReaderEndpoint
		secrets[n] = db.SecretARN
		if via := w.viaFleet[n]; via != "" {
			tunnels[n] = access.PortForwardCommand(w.region, w.Fleets[via].ASGName, db.Endpoint, w.ports[n])
		}
	}
	single(ex, "auroraWriterEndpoints", "auroraWriterEndpoint", writers)
	single(ex, "auroraReaderEndpoints", "auroraReaderEndpoint", readers)
	single(ex, "auroraSecretArns", "auroraSecretArn", secrets)
	if len(tunnels) > 0 {
		ex["portForwardCommands"] = tunnels
	}

	caches, cacheSecrets := pulumi.StringMap{}, pulumi.StringMap{}
	for n, c := range w.Caches {
		caches[n] = c.PrimaryEndpoint
		if c.Auth == compute.AuthSecret {
			cacheSecrets[n] = c.SecretARN
		}
	}
	single(ex, "cachePrimaryEndpoints", "cachePrimaryEndpoint", caches)
	single(ex, "cacheSecretArns", "cacheSecretArn", cacheSecrets)
}

// single exports m under mapKey when it has entries, and its one value under
// oneKey when it has exactly one.
func single(ex map[string]pulumi.Input, mapKey, oneKey string, m pulumi.StringMap) {
	if len(m) == 0 {
		return
	}
	ex[mapKey] = m
	if len(m) == 1 {
		for _, v := range m {
			ex[oneKey] = v
		}
	}
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Warnings lists what a reviewer should know about a stack that is valid but
// weaker than production: each a sentence naming the workload and the fix.
func (pl *Platform) Warnings() []string {
	pl.warnings.once.Do(func() { pl.warnings.list = pl.warningsNow() })
	return append([]string(nil), pl.warnings.list...)
}

func (pl *Platform) warningsNow() []string {
	var out []string
	if pl.Workloads == nil {
		return nil
	}
	for _, n := range sortedNames(pl.Workloads.LoadBalancers) {
		if !pl.Workloads.LoadBalancers[n].ServesHTTPS {
			out = append(out, n+": no certificateArn, so the load balancer serves plain HTTP on port 80; set platform:workloads."+n+".certificateArn before real traffic")
		}
	}
	for _, n := range pl.Design.Config.Workloads.Names() {
		// The records go in a public zone, so anyone can resolve them, to
		// addresses only the VPC and its peers can reach.
		if a := pl.Design.Config.Workloads[n].ALB; a != nil && !a.InternetFacing && a.DNS != nil {
			out = append(out, n+": an internal load balancer with records in the public zone "+zoneOf(*a.DNS)+": anyone can resolve "+strings.Join(a.DNS.Records, ", ")+" to private addresses only the VPC reaches; drop platform:workloads."+n+".dns (a private zone is not the stack's) or set internetFacing: true")
		}
	}
	out = append(out, pl.invocationWarnings()...)
	if a := pl.Design.Config.Alarms; a.PagesNobody() {
		out = append(out, "platform:alarms.subscriptions is empty: the alarms publish to the topic "+ops.TopicName(pl.Design.Config.Name)+" and page nobody; add {email: ...} or {https: ...}")
	}
	if pl.Design.Config.Network.NAT == "single" {
		out = append(out, "platform:network.nat is single: losing its zone cuts every zone's egress; production uses perAz")
	}
	out = append(out, pl.Design.Warnings...)
	if idle, err := pl.IdleNAT(); err == nil && idle != nil {
		out = append(out, idle.Warning())
	}
	if w := pl.Design.Config.lambdaConcurrencyWarning(); w != "" {
		out = append(out, w)
	}
	// The backup plan holds Aurora clusters only, and AWS Backup ignores a
	// cold storage transition for resource types without one, Aurora's too.
	if b := pl.Design.Config.DataProtection.Backup; b.Enabled {
		for _, n := range sortedNames(b.Rules) {
			if r := b.Rules[n]; r.ColdStorageAfterDays > 0 {
				out = append(out, fmt.Sprintf("platform:dataProtection.backup.rules.%s.coldStorageAfterDays: AWS Backup moves no Aurora recovery point to cold storage (it ignores the setting for Aurora), so they stay in warm storage, billed as such, for all %d days; remove it", n, r.RetentionDays))
			}
		}
	}
	return out
}

// zoneOf names a dns block's zone as the config does.
func zoneOf(d compute.DNSSpec) string {
	if d.ZoneName != "" {
		return d.ZoneName
	}
	return d.ZoneID
}
