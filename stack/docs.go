package stack

import (
	"github.com/acme/platform/security"
)

// RulesDoc renders docs/network-rules.md for a stack: the written rules of the
// network and every group's inbound and outbound rules, from the same graph
// that creates the rules, so the document cannot drift from what is deployed.
func (pl *Platform) RulesDoc() string {
	return security.RenderMarkdown(pl.Design.Rules, "Network rules: stack "+pl.Design.Config.Stack)
}
