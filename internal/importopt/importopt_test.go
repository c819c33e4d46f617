package importopt

import (
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// An imported resource is imported by its ID, protected as asked, and keeps
// its tags and the named inputs as they are, each named once.
func TestOptions_ImportProtectAndIgnoreTagsOnce(t *testing.T) {
	for _, c := range []struct {
		protect bool
		ignore  []string
		want    []string
	}{
		{true, nil, []string{"tags", "tagsAll"}},
		{false, []string{"numCacheClusters"}, []string{"tags", "tagsAll", "numCacheClusters"}},
		{true, []string{"tags", "code", "tagsAll"}, []string{"tags", "tagsAll", "code"}},
	} {
		ro, err := pulumi.NewResourceOptions(Options(pulumi.Protect(false), "sg-0123", c.protect, c.ignore...)...)
		if err != nil {
			t.Fatal(err)
		}
		if ro.Import != pulumi.ID("sg-0123") || ro.Protect != c.protect {
			t.Errorf("import %v protect %v, want sg-0123 and %v", ro.Import, ro.Protect, c.protect)
		}
		if !reflect.DeepEqual(ro.IgnoreChanges, c.want) {
			t.Errorf("ignore %v, want %v", ro.IgnoreChanges, c.want)
		}
	}
}

// A value the snapshot lacks is left to the import, not set empty.
func TestValue_EmptyIsUnset(t *testing.T) {
	if Value("") != nil {
		t.Error(`Value("") sets an input`)
	}
	if v, ok := Value("ENABLED").(pulumi.String); !ok || v != "ENABLED" {
		t.Errorf("Value(ENABLED) = %v", Value("ENABLED"))
	}
}
