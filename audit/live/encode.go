package live

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// cliJSON renders SDK output the way the AWS CLI prints it: the API's member
// names, absent members left out, enums as their strings. The SDK's Go
// fields carry the member names with the first letter capitalised; ECS and
// Batch name their members in lowerCamelCase, so for them (lower) the first
// letter goes back to lowercase. Keys come out sorted, which the CLI does
// not do, but no reader depends on key order.
func cliJSON(key string, items any, lower bool) ([]byte, error) {
	v, _ := cliValue(reflect.ValueOf(items), lower)
	if v == nil {
		v = []any{}
	}
	b, err := json.MarshalIndent(map[string]any{key: v}, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

var timeType = reflect.TypeFor[time.Time]()

// cliValue converts v; ok is false for a member the CLI would leave out
// (a nil pointer, slice, map or interface).
func cliValue(v reflect.Value, lower bool) (any, bool) {
	switch v.Kind() {
	case reflect.Invalid:
		return nil, false
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		return cliValue(v.Elem(), lower)
	case reflect.Struct:
		if v.Type() == timeType {
			return v.Interface().(time.Time).UTC().Format(time.RFC3339Nano), true
		}
		m := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Anonymous {
				continue
			}
			fv, ok := cliValue(v.Field(i), lower)
			if !ok {
				continue
			}
			name := f.Name
			if lower {
				r, n := utf8.DecodeRuneInString(name)
				name = string(unicode.ToLower(r)) + name[n:]
			}
			m[name] = fv
		}
		return m, true
	case reflect.Slice:
		if v.IsNil() {
			return nil, false
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Bytes(), true // base64, as the CLI prints blobs
		}
		out := make([]any, 0, v.Len())
		for i := range v.Len() {
			e, ok := cliValue(v.Index(i), lower)
			if !ok {
				e = nil
			}
			out = append(out, e)
		}
		return out, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		m := map[string]any{}
		iter := v.MapRange()
		for iter.Next() {
			e, _ := cliValue(iter.Value(), lower)
			m[toString(iter.Key())] = e
		}
		return m, true
	case reflect.String:
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint(), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	}
	return nil, false
}

func toString(v reflect.Value) string {
	if v.Kind() == reflect.String {
		return v.String()
	}
	return strings.TrimSpace(v.String())
}
