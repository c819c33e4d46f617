package compute

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/tags"
)

// Runtime is what a compute workload's code runs with, apart from the compute
// itself: the role it runs as, the role its platform starts it with, its log
// group and every permission granted to it. The four compute kinds (ec2, ecs,
// lambda, batch) build theirs in one place, newRuntime, so that a grant - from
// an allow edge to a data store, from the workload's declared permissions, from
// a schedule or a trigger - lands on the same roles by the same code whatever
// the kind, and the workload starts only once all of it exists.
type Runtime struct {
	// Workload is the config name.
	Workload string
	Kind     Kind
	// Role is what the code runs as: the instance role (ec2), the task role
	// (ecs), the function's execution role (lambda) or the job role (batch).
	Role *iam.Role
	// ExecutionRole is what ECS and Batch use to start the code: pull the
	// image, write the logs, fetch the secrets injected into the container.
	// nil for ec2 and lambda, whose code does those itself with Role.
	ExecutionRole *iam.Role
	// LogGroup holds the code's output; nil for ec2 (instances log where their
	// own agent sends it).
	LogGroup     *cloudwatch.LogGroup
	LogGroupName string
	// Policies are the grants' inline policies, by grant key.
	Policies map[string]*iam.RolePolicy
	// Grants are the permissions granted, sorted by key, as registered.
	Grants []Grant

	// ready is what must exist before the code first runs.
	ready []pulumi.Resource
}

// Ready lists what must exist before the workload's code first runs: the
// roles' policies and attachments and the log group. A workload resource
// that starts code (a service, a function, a job definition, an Auto Scaling
// group) depends on all of it: none of them is an input of that resource, so
// nothing else orders them, and code that starts without its permissions
// fails in ways a deploy does not notice.
func (r *Runtime) Ready() []pulumi.Resource { return append([]pulumi.Resource(nil), r.ready...) }

// Grant is one reason a workload holds permissions. It becomes one inline
// policy on one of the workload's roles, named after Key, so that removing
// the reason (an allow edge, a declared permission) removes exactly that
// policy and nothing else.
type Grant struct {
	// Key names the grant, e.g. "reach-database"; lowercase letters, digits
	// and hyphens, unique within a workload.
	Key string
	// Execution puts the policy on the execution role (ECS and Batch only): the
	// role that fetches secrets injected into a container.
	Execution bool
	// Reason says why the workload holds it, for the review.
	Reason     string
	Statements []Statement
}

// Statement is one Allow statement. Resources may be outputs of other
// resources (a secret's ARN, a cluster's resource id).
type Statement struct {
	// Sid is letters and digits only (IAM refuses anything else).
	Sid       string
	Actions   []string
	Resources []pulumi.StringInput
	// Condition is the IAM condition block: operator -> key -> value(s).
	Condition map[string]map[string]any
}

var (
	grantKey = regexp.MustCompile(`^[a-z][a-z0-9-]{0,47}$`)
	sidChars = regexp.MustCompile(`^[A-Za-z0-9]*$`)
)

// check rejects grants AWS would refuse or the review could not read.
func (g Grant) check(hasExecution bool) error {
	switch {
	case !grantKey.MatchString(g.Key):
		return fmt.Errorf("grant key %q: use 1 to 48 lowercase letters, digits and hyphens, starting with a letter", g.Key)
	case g.Execution && !hasExecution:
		return fmt.Errorf("grant %q: this kind has no execution role", g.Key)
	case len(g.Statements) == 0:
		return fmt.Errorf("grant %q: no statements", g.Key)
	}
	for _, s := range g.Statements {
		switch {
		case !sidChars.MatchString(s.Sid):
			return fmt.Errorf("grant %q: statement id %q must be letters and digits only", g.Key, s.Sid)
		case len(s.Actions) == 0 || len(s.Resources) == 0:
			return fmt.Errorf("grant %q: statement %q needs actions and resources", g.Key, s.Sid)
		}
		for _, a := range s.Actions {
			if a == "*" || a == "" {
				return fmt.Errorf("grant %q: statement %q: action %q; name the actions", g.Key, s.Sid, a)
			}
		}
	}
	return nil
}

// document renders the grant's policy once every resource is known.
func (g Grant) document() pulumi.StringOutput {
	var inputs []any
	for _, s := range g.Statements {
		for _, r := range s.Resources {
			inputs = append(inputs, r)
		}
	}
	return pulumi.All(inputs...).ApplyT(func(vals []any) (string, error) {
		var statements []any
		i := 0
		for _, s := range g.Statements {
			var res []string
			for range s.Resources {
				res = append(res, vals[i].(string))
				i++
			}
			st := map[string]any{"Effect": "Allow", "Action": s.Actions, "Resource": res}
			if len(res) == 1 {
				st["Resource"] = res[0]
			}
			if s.Sid != "" {
				st["Sid"] = s.Sid
			}
			if len(s.Condition) > 0 {
				st["Condition"] = s.Condition
			}
			statements = append(statements, st)
		}
		b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
		return string(b), err
	}).(pulumi.StringOutput)
}

// runtimeArgs describe a kind's roles and log group.
type runtimeArgs struct {
	Workload string
	Kind     Kind
	// Service is the principal that assumes the roles, e.g. ecs-tasks.amazonaws.com.
	Service string
	// RoleSuffix names the role <name>-<RoleSuffix>; RoleDescription describes it.
	RoleSuffix      string
	RoleDescription string
	// SourceAccount limits the trust to the service acting for this account
	// (only where the service documents sending aws:SourceAccount).
	SourceAccount bool
	// Managed are AWS managed policies on the role, by attachment suffix.
	Managed map[string]string
	// Execution, when set, adds the execution role <name>-exec.
	Execution *executionArgs
	// LogGroupName and LogRetentionDays make the log group <name>-logs; no
	// group when the name is empty.
	LogGroupName     string
	LogRetentionDays int
	// LogKMSKeyARN encrypts the log group with the stack's logs key; nil
	// leaves CloudWatch's own encryption.
	LogKMSKeyARN pulumi.StringInput
	// Grants are every permission of the workload: the kind's own and those
	// given to the component.
	Grants []Grant

	Env  awsenv.Env
	Tags tags.Set
}

type executionArgs struct {
	Description string
	Managed     map[string]string
}

// newRuntime registers a workload's roles, their grants and its log group,
// as children of the workload's component (parent).
func newRuntime(ctx *pulumi.Context, name string, a runtimeArgs, parent pulumi.ResourceOption) (*Runtime, error) {
	r := &Runtime{Workload: a.Workload, Kind: a.Kind, Policies: map[string]*iam.RolePolicy{}}
	seen := map[string]bool{}
	grants := append([]Grant(nil), a.Grants...)
	sort.SliceStable(grants, func(i, j int) bool { return grants[i].Key < grants[j].Key })
	for _, g := range grants {
		if err := g.check(a.Execution != nil); err != nil {
			return nil, fmt.Errorf("compute: workload %q: %w", a.Workload, err)
		}
		if seen[g.Key] {
			return nil, fmt.Errorf("compute: workload %q: grant key %q is used twice", a.Workload, g.Key)
		}
		seen[g.Key] = true
	}
	r.Grants = grants

	if a.Execution != nil {
		role, attach, err := newServiceRole(ctx, name+"-exec", a.Execution.Description,
			a.Service, "", a.Env, a.Tags, a.Execution.Managed, parent)
		if err != nil {
			return nil, err
		}
		r.ExecutionRole = role
		r.ready = append(r.ready, attach...)
	}
	account := ""
	if a.SourceAccount {
		account = a.Env.AccountID
	}
	role, attach, err := newServiceRole(ctx, name+"-"+a.RoleSuffix, a.RoleDescription,
		a.Service, account, a.Env, a.Tags, a.Managed, parent)
	if err != nil {
		return nil, err
	}
	r.Role = role
	r.ready = append(r.ready, attach...)

	for _, g := range grants {
		target, suffix := r.Role, a.RoleSuffix
		if g.Execution {
			target, suffix = r.ExecutionRole, "exec"
		}
		pol, err := iam.NewRolePolicy(ctx, name+"-"+suffix+"-"+g.Key, &iam.RolePolicyArgs{
			Role:   target.Name,
			Policy: g.document(),
		}, parent)
		if err != nil {
			return nil, err
		}
		r.Policies[g.Key] = pol
		r.ready = append(r.ready, pol)
	}

	if a.LogGroupName != "" {
		r.LogGroupName = a.LogGroupName
		r.LogGroup, err = cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
			Name:            pulumi.String(a.LogGroupName),
			RetentionInDays: pulumi.Int(a.LogRetentionDays),
			// Associating a key is an in-place change of an existing group.
			KmsKeyId: a.LogKMSKeyARN,
			Tags:     a.Tags.Named(a.LogGroupName),
		}, parent)
		if err != nil {
			return nil, err
		}
		r.ready = append(r.ready, r.LogGroup)
	}
	return r, nil
}
