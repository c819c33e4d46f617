package access_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/access"
)

const dbWriter = "prod-db.cluster-abc123.us-east-1.rds.amazonaws.com"

func TestCommands_RenderReadyToRun(t *testing.T) {
	const find = `"$(aws ec2 describe-instances --region us-east-1 --filters Name=tag:aws:autoscaling:groupName,Values=prod-web-asg Name=instance-state-name,Values=running --query 'Reservations[0].Instances[0].InstanceId' --output text)"`
	tests := []struct {
		name string
		cmd  func(ctx *pulumi.Context) (pulumi.StringOutput, error)
		want string
	}{
		{"port forwarding to the database writer through a fleet instance",
			func(*pulumi.Context) (pulumi.StringOutput, error) {
				return access.PortForwardCommand("us-east-1", pulumi.String("prod-web-asg"), pulumi.String(dbWriter), 5432), nil
			},
			`aws ssm start-session --region us-east-1 --target ` + find +
				` --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters '{"host":["` + dbWriter + `"],"portNumber":["5432"],"localPortNumber":["5432"]}'`},
		{"shell on a fleet instance",
			func(*pulumi.Context) (pulumi.StringOutput, error) {
				return access.ShellCommand("us-east-1", pulumi.String("prod-web-asg")), nil
			},
			`aws ssm start-session --region us-east-1 --target ` + find},
		{"group names that need quoting are quoted",
			func(*pulumi.Context) (pulumi.StringOutput, error) {
				return access.ShellCommand("us-east-1", pulumi.String("web fleet's asg")), nil
			},
			`aws ssm start-session --region us-east-1 --target "$(aws ec2 describe-instances --region us-east-1 --filters 'Name=tag:aws:autoscaling:groupName,Values=web fleet'\''s asg' Name=instance-state-name,Values=running --query 'Reservations[0].Instances[0].InstanceId' --output text)"`},
		{"client configuration export from an endpoint ID",
			func(*pulumi.Context) (pulumi.StringOutput, error) {
				return access.ExportConfigCommand(pulumi.String("cvpn-endpoint-0123456789abcdef0"), "eu-west-1"), nil
			},
			`aws ec2 export-client-vpn-client-configuration --region eu-west-1 --client-vpn-endpoint-id cvpn-endpoint-0123456789abcdef0 --output text > client-vpn.ovpn`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := resolve(t, tt.cmd); got != tt.want {
				t.Errorf("got\n  %s\nwant\n  %s", got, tt.want)
			}
		})
	}
}

func TestCommands_ExportConfigNamesTheRegisteredEndpoint(t *testing.T) {
	got := resolve(t, func(ctx *pulumi.Context) (pulumi.StringOutput, error) {
		v, err := access.NewClientVPN(ctx, vpnName, vpnArgs(vpnConfig()))
		if err != nil {
			return pulumi.StringOutput{}, err
		}
		// The command and the ID it should contain, side by side.
		return pulumi.All(v.ExportConfigCommand(), v.EndpointID).ApplyT(func(x []any) string {
			return x[0].(string) + "\n" + x[1].(string)
		}).(pulumi.StringOutput), nil
	})
	cmd, id, _ := strings.Cut(got, "\n")
	if !strings.HasPrefix(id, "cvpn-endpoint-") {
		t.Fatalf("endpoint ID %q", id)
	}
	want := "aws ec2 export-client-vpn-client-configuration --region us-east-1 --client-vpn-endpoint-id " + id + " --output text > client-vpn.ovpn"
	if cmd != want {
		t.Errorf("got\n  %s\nwant\n  %s", cmd, want)
	}
}
