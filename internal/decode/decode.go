// Package decode turns a generic JSON value (what config.TryObject yields for
// map[string]any) into a typed config struct, strictly: an unknown key, a value
// of the wrong type or a bad enum is a problem with its full key path, and every
// problem in the value is reported, not only the first one.
//
// encoding/json cannot do this: it ignores unknown keys unless told otherwise,
// and with DisallowUnknownFields it stops at the first one.
package decode

import (
	"encoding"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/acme/platform/internal/problems"
)

// Into decodes raw into out (a non-nil pointer), recording problems under key.
// Fields are matched by their json tag name, case-sensitively, as Pulumi config
// keys are camelCase and a near miss is far more likely a typo than intent.
func Into(key string, raw any, out any, p *problems.List) {
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		panic("decode.Into: out must be a non-nil pointer")
	}
	value(key, raw, v.Elem(), p)
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// NumberText is implemented by a string type whose value may also be written
// as a whole number without quotes: YAML reads `port: 5432` as a number, and
// such a field takes it as the text "5432".
type NumberText interface{ NumberText() }

var numberText = reflect.TypeFor[NumberText]()

func value(key string, raw any, v reflect.Value, p *problems.List) {
	if raw == nil {
		// An explicit null leaves the zero value; required fields are checked by Validate.
		return
	}
	if f, ok := raw.(float64); ok && f == math.Trunc(f) && v.Type().Implements(numberText) {
		raw = strconv.FormatFloat(f, 'f', -1, 64)
	}
	if v.Kind() != reflect.Pointer && reflect.PointerTo(v.Type()).Implements(textUnmarshaler) {
		s, ok := raw.(string)
		if !ok {
			p.Add(key, "want a string, got %s", describe(raw))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			p.Add(key, "%s", textError(v.Type(), s, err))
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		value(key, raw, elem.Elem(), p)
		v.Set(elem)
	case reflect.Struct:
		obj, ok := raw.(map[string]any)
		if !ok {
			p.Add(key, "want an object, got %s", describe(raw))
			return
		}
		structValue(key, obj, v, p)
	case reflect.Map:
		obj, ok := raw.(map[string]any)
		if !ok {
			p.Add(key, "want an object, got %s", describe(raw))
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		for _, k := range sortedKeys(obj) {
			elem := reflect.New(v.Type().Elem()).Elem()
			value(key+"."+k, obj[k], elem, p)
			v.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), elem)
		}
	case reflect.Slice:
		list, ok := raw.([]any)
		if !ok {
			p.Add(key, "want a list, got %s", describe(raw))
			return
		}
		out := reflect.MakeSlice(v.Type(), len(list), len(list))
		for i, item := range list {
			value(fmt.Sprintf("%s[%d]", key, i), item, out.Index(i), p)
		}
		v.Set(out)
	case reflect.String:
		s, ok := raw.(string)
		if !ok {
			hint := ""
			if !v.Type().Implements(numberText) {
				hint = quoteHint(key, raw)
			}
			p.Add(key, "want a string, got %s%s", describe(raw), hint)
			return
		}
		v.SetString(s)
	case reflect.Bool:
		b, ok := raw.(bool)
		if !ok {
			p.Add(key, "want true or false, got %s", describe(raw))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f, ok := raw.(float64)
		if !ok || f != math.Trunc(f) {
			p.Add(key, "want a whole number, got %s", describe(raw))
			return
		}
		if v.OverflowInt(int64(f)) {
			p.Add(key, "%v is out of range", f)
			return
		}
		v.SetInt(int64(f))
	case reflect.Float32, reflect.Float64:
		f, ok := raw.(float64)
		if !ok {
			p.Add(key, "want a number, got %s", describe(raw))
			return
		}
		v.SetFloat(f)
	case reflect.Interface:
		v.Set(reflect.ValueOf(raw))
	default:
		panic(fmt.Sprintf("decode: unsupported field type %s at %s", v.Type(), key))
	}
}

func structValue(key string, obj map[string]any, v reflect.Value, p *problems.List) {
	fields := Fields(v.Type())
	for _, k := range sortedKeys(obj) {
		idx, ok := fields[k]
		if !ok {
			p.Add(key+"."+k, "unknown key%s", suggest(k, v.Type()))
			continue
		}
		value(key+"."+k, obj[k], v.FieldByIndex(idx), p)
	}
}

// Fields maps json names to field index paths for a struct type. As with
// encoding/json, the fields of an embedded struct without a json name sit
// beside the outer struct's own, so kinds can share a block of keys.
func Fields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k, idx := range Fields(f.Type) {
				if _, own := out[k]; !own {
					out[k] = append([]int{i}, idx...)
				}
			}
			continue
		}
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = []int{i}
	}
	return out
}

// Names lists the json names of a struct type, sorted.
func Names(t reflect.Type) []string {
	var out []string
	for k := range Fields(t) {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func suggest(k string, t reflect.Type) string {
	names := Names(t)
	if best := Closest(k, names); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return "; known keys: " + strings.Join(names, ", ")
}

// Closest returns the candidate nearest to s by edit distance when it is close
// enough to be a plausible typo, else "".
func Closest(s string, candidates []string) string {
	best, bestD := "", math.MaxInt
	for _, c := range candidates {
		d := distance(strings.ToLower(s), strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= 2 || (bestD <= len(s)/3 && bestD < len(s)) {
		return best
	}
	return ""
}

func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// textError words a parse failure for a user. netip's own errors name the Go
// function; a stack author needs to hear what the value should look like.
func textError(t reflect.Type, s string, err error) string {
	switch t {
	case reflect.TypeFor[netip.Prefix]():
		reason := err.Error()
		if i := strings.LastIndex(reason, "): "); i >= 0 {
			reason = reason[i+3:]
		}
		return fmt.Sprintf("%q is not a CIDR (%s); write a block such as 10.0.0.0/16", s, reason)
	case reflect.TypeFor[netip.Addr]():
		return fmt.Sprintf("%q is not an IP address", s)
	}
	return err.Error()
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// quoteHint is the fix for a number or a boolean where a string belongs: YAML
// reads them unquoted, and has already turned 8.0 into 8 and yes into true by
// the time the program sees them, so a version's own text is lost.
func quoteHint(key string, raw any) string {
	switch x := raw.(type) {
	case float64:
		if strings.HasSuffix(strings.ToLower(key), "version") {
			return `; write the version in quotes, e.g. "8.0": YAML reads an unquoted 8.0 as the number 8`
		}
		return fmt.Sprintf(`; quote it in the stack file ("%v")`, x)
	case bool:
		return fmt.Sprintf(`; quote it in the stack file ("%v"): YAML reads unquoted true, false, yes and no as booleans`, x)
	}
	return ""
}

func describe(raw any) string {
	switch x := raw.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case float64:
		return fmt.Sprintf("the number %v", x)
	case bool:
		return fmt.Sprintf("%v", x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%v", x)
	}
}
