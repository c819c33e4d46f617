package access

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PortForwardingDocument is the AWS document that forwards a local port to a
// host the instance can reach.
const PortForwardingDocument = "AWS-StartPortForwardingSessionToRemoteHost"

// PortForwardCommand renders a ready-to-run command that picks a running
// instance of the Auto Scaling group asgName and, through it, forwards local
// port `port` to remoteHost:port (the database writer). Nothing listens on
// the instance and nothing is opened inbound: the agent carries the bytes over
// its outbound Session Manager channel, and the database's group admits the
// fleet's group, as it already does for the application.
func PortForwardCommand(region string, asgName pulumi.StringInput, remoteHost pulumi.StringInput, port int) pulumi.StringOutput {
	return pulumi.All(asgName, remoteHost).ApplyT(func(v []any) string {
		asg, host := v[0].(string), v[1].(string)
		p := strconv.Itoa(port)
		params := `{"host":["` + host + `"],"portNumber":["` + p + `"],"localPortNumber":["` + p + `"]}`
		return startSession(region, asg) + " --document-name " + PortForwardingDocument + " --parameters " + shellWord(params)
	}).(pulumi.StringOutput)
}

// ShellCommand renders a ready-to-run command that opens a shell on a running
// instance of the Auto Scaling group asgName, with the account's session
// preferences: encrypted, logged, timed out when idle.
func ShellCommand(region string, asgName pulumi.StringInput) pulumi.StringOutput {
	return asgName.ToStringOutput().ApplyT(func(asg string) string {
		return startSession(region, asg)
	}).(pulumi.StringOutput)
}

// startSession is `aws ssm start-session` aimed at the first running instance
// of the group, found by the tag Auto Scaling puts on every instance it launches.
func startSession(region, asg string) string {
	r := shellWord(region)
	find := "aws ec2 describe-instances --region " + r +
		" --filters " + shellWord("Name=tag:aws:autoscaling:groupName,Values="+asg) +
		" Name=instance-state-name,Values=running" +
		" --query 'Reservations[0].Instances[0].InstanceId' --output text"
	return "aws ssm start-session --region " + r + ` --target "$(` + find + `)"`
}

var plainWord = regexp.MustCompile(`^[A-Za-z0-9_./:=,@%+-]+$`)

// shellWord returns s as one POSIX shell word: unchanged when it needs no
// quoting, else in single quotes.
func shellWord(s string) string {
	if plainWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
