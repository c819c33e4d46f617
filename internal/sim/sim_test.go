package sim_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/sim"
)

func TestMonitor_RecordsInputsParentsAndOptions(t *testing.T) {
	m := sim.NewMonitor("platform", "t", "us-east-1")
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		vpc, err := ec2.NewVpc(ctx, "v", &ec2.VpcArgs{CidrBlock: pulumi.String("10.0.0.0/16")}, pulumi.Protect(true))
		if err != nil {
			return err
		}
		_, err = ec2.NewSubnet(ctx, "s", &ec2.SubnetArgs{VpcId: vpc.ID(), CidrBlock: pulumi.String("10.0.0.0/24")},
			pulumi.DependsOn([]pulumi.Resource{vpc}), pulumi.Import(pulumi.ID("subnet-0abc")))
		return err
	}, pulumi.WithMocks("platform", "t", m))
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	v, _ := g.Named("aws:ec2/vpc:Vpc", "v")
	s, _ := g.Named("aws:ec2/subnet:Subnet", "s")
	if !v.Protect || !strings.HasPrefix(v.ID, "vpc-") {
		t.Errorf("vpc %+v", v)
	}
	if s.Inputs["vpcId"] != v.ID || s.ImportID != "subnet-0abc" || s.ID != "subnet-0abc" || len(s.Dependencies) != 1 || s.Dependencies[0] != v.URN {
		t.Errorf("subnet %+v", s)
	}
}

func TestMonitor_FailsOnTwoResourcesWithOneName(t *testing.T) {
	m := sim.NewMonitor("platform", "t", "us-east-1")
	_ = pulumi.RunErr(func(ctx *pulumi.Context) error {
		for range 2 {
			if _, err := ec2.NewVpc(ctx, "same", &ec2.VpcArgs{CidrBlock: pulumi.String("10.0.0.0/16")}); err != nil {
				return err
			}
		}
		return nil
	}, pulumi.WithMocks("platform", "t", m))
	if _, err := m.Graph(); err == nil || !strings.Contains(err.Error(), "duplicate resource URN") {
		t.Errorf("got %v", err)
	}
}

func TestMonitor_SimulatesTheAccountItIsGiven(t *testing.T) {
	m := sim.NewMonitor("platform", "t", "us-east-1")
	if m.AccountID != sim.AccountID {
		t.Fatalf("default account %q", m.AccountID)
	}
	m.AccountID = "111122223333"
	var caller string
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		id, err := aws.GetCallerIdentity(ctx, nil)
		if err != nil {
			return err
		}
		caller = id.AccountId
		_, err = kms.NewKey(ctx, "k", &kms.KeyArgs{})
		return err
	}, pulumi.WithMocks("platform", "t", m))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := m.Graph()
	k, _ := g.Named("aws:kms/key:Key", "k")
	if caller != "111122223333" || !strings.HasPrefix(k.Outputs["arn"].(string), "arn:aws:kms:us-east-1:111122223333:key/") {
		t.Errorf("caller %q, key %v", caller, k.Outputs["arn"])
	}
}

// A name prefix gets a fixed-length unique suffix, as the provider gives it.
func TestMonitor_NamePrefixGetsAUniqueSuffix(t *testing.T) {
	m := sim.NewMonitor("platform", "t", "us-east-1")
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := cloudwatch.NewLogGroup(ctx, "g", &cloudwatch.LogGroupArgs{NamePrefix: pulumi.String("/platform/p-")})
		return err
	}, pulumi.WithMocks("platform", "t", m))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := m.Graph()
	lg, _ := g.Named("aws:cloudwatch/logGroup:LogGroup", "g")
	name, _ := lg.Outputs["name"].(string)
	if !strings.HasPrefix(name, "/platform/p-") || len(name) != len("/platform/p-")+26 ||
		lg.Outputs["arn"] != "arn:aws:logs:us-east-1:"+sim.AccountID+":log-group:"+name {
		t.Errorf("name %q, arn %v", name, lg.Outputs["arn"])
	}
}

// Zone names come sorted with their IDs beside them, and the mapping differs
// between accounts, as it does in AWS.
func TestMonitor_ZoneIDsDependOnTheAccount(t *testing.T) {
	zones := func(account string) (names, ids []string) {
		m := sim.NewMonitor("platform", "t", "us-east-1")
		m.AccountID = account
		err := pulumi.RunErr(func(ctx *pulumi.Context) error {
			z, err := aws.GetAvailabilityZones(ctx, nil)
			if err != nil {
				return err
			}
			names, ids = z.Names, z.ZoneIds
			return nil
		}, pulumi.WithMocks("platform", "t", m))
		if err != nil {
			t.Fatal(err)
		}
		return names, ids
	}
	n1, id1 := zones("111122223333")
	n2, id2 := zones("444455556666")
	if strings.Join(n1, ",") != "us-east-1a,us-east-1b,us-east-1c,us-east-1d,us-east-1e,us-east-1f" || strings.Join(n1, ",") != strings.Join(n2, ",") {
		t.Errorf("names %v / %v", n1, n2)
	}
	if len(id1) != 6 || !strings.HasPrefix(id1[0], "use1-az") || strings.Join(id1, ",") == strings.Join(id2, ",") {
		t.Errorf("ids %v / %v", id1, id2)
	}
}
