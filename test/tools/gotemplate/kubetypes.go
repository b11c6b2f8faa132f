package main

// kube-types prints src/identity/kubernetes-types.ts: the Go types that templates reach from
// metav1.ObjectMeta, corev1.PodSpec and corev1.NodeSpec, read from k8s.io/api by reflection, so that the
// TypeScript model of them is a fact of the version this module requires, regenerated, never typed by hand.

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Types with their own JSON form and printing; the TypeScript side models each by hand (special).
var specialTypes = map[reflect.Type]string{
	reflect.TypeFor[resource.Quantity]():  "quantity",
	reflect.TypeFor[metav1.Time]():        "time",
	reflect.TypeFor[intstr.IntOrString](): "intOrString",
	reflect.TypeFor[metav1.FieldsV1]():    "fieldsV1",
	reflect.TypeFor[metav1.MicroTime]():   "microTime",
	reflect.TypeFor[time.Time]():          "goTime",
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

type structInfo struct {
	t reflect.Type
}

// Named non-struct types with methods (v1.ResourceList's Cpu), which Go would call for `.Name`.
var namedMethods = map[string][]string{}

// typeRef spells a type as the TypeScript side parses it: Go's own spelling (reflect.Type.String()),
// with a named scalar followed by ":" and its kind ("types.UID:string"), and a named slice or map by its
// name, "=" and its spelling ("v1.ResourceList=map[v1.ResourceName:string]resource.Quantity").
func typeRef(t reflect.Type, seen map[string]reflect.Type, queue *[]reflect.Type) (string, error) {
	if k := t.Kind(); t.Name() != "" && (k == reflect.Slice || k == reflect.Map) {
		if m := methodNames(t); len(m) > 0 {
			namedMethods[t.String()] = m
		}
		u, err := typeRef(reflect.New(t).Elem().Convert(unnamed(t)).Type(), seen, queue)
		return t.String() + "=" + u, err
	}
	switch t.Kind() {
	case reflect.Pointer:
		e, err := typeRef(t.Elem(), seen, queue)
		return "*" + e, err
	case reflect.Slice:
		e, err := typeRef(t.Elem(), seen, queue)
		return "[]" + e, err
	case reflect.Map:
		k, err := typeRef(t.Key(), seen, queue)
		if err != nil {
			return "", err
		}
		v, err := typeRef(t.Elem(), seen, queue)
		return "map[" + k + "]" + v, err
	case reflect.Struct:
		name := t.String()
		if prev, ok := seen[name]; ok {
			if prev != t {
				return "", fmt.Errorf("two types print as %s: %s and %s", name, prev.PkgPath(), t.PkgPath())
			}
			return name, nil
		}
		seen[name] = t
		*queue = append(*queue, t)
		return name, nil
	case reflect.Interface, reflect.Func, reflect.Chan, reflect.Array, reflect.UnsafePointer:
		return "", fmt.Errorf("type %s of kind %s is not modelled", t, t.Kind())
	}
	if _, special := specialTypes[t]; !special && reflect.PointerTo(t).Implements(unmarshalerType) {
		return "", fmt.Errorf("%s has its own JSON form; model it as a special type", t)
	}
	if t.Name() == t.Kind().String() {
		return t.Name(), nil
	}
	return t.String() + ":" + t.Kind().String(), nil
}

// unnamed is the type literal underneath a named slice or map type.
func unnamed(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Slice {
		return reflect.SliceOf(t.Elem())
	}
	return reflect.MapOf(t.Key(), t.Elem())
}

func methodNames(t reflect.Type) []string {
	pt := reflect.PointerTo(t)
	names := make([]string, 0, pt.NumMethod())
	for i := 0; i < pt.NumMethod(); i++ {
		names = append(names, pt.Method(i).Name)
	}
	return names
}

func jsonName(f reflect.StructField) (name string, inline bool) {
	tag := f.Tag.Get("json")
	parts := strings.Split(tag, ",")
	for _, p := range parts[1:] {
		if p == "inline" {
			inline = true
		}
	}
	if parts[0] == "-" && len(parts) == 1 {
		return "", false
	}
	if parts[0] != "" {
		return parts[0], false
	}
	if f.Anonymous && f.Type.Kind() == reflect.Struct {
		return "", true
	}
	return f.Name, inline
}

func quoteTS(s string) string {
	b, _ := json.Marshal(s)
	return strings.ReplaceAll(string(b), `"`, `'`)
}

func kubeTypes(w io.Writer) error {
	seen := map[string]reflect.Type{}
	var queue []reflect.Type
	roots := []reflect.Type{reflect.TypeFor[metav1.ObjectMeta](), reflect.TypeFor[corev1.PodSpec](), reflect.TypeFor[corev1.NodeSpec]()}
	for _, r := range roots {
		if _, err := typeRef(r, seen, &queue); err != nil {
			return err
		}
	}
	type field struct {
		proto           int
		name, json, typ string
		embedded        bool
	}
	type described struct {
		name, special, pkg  string
		fields              []field
		unexported, methods []string
		promoted            map[string][]int
	}
	var out []described
	for len(queue) > 0 {
		t := queue[0]
		queue = queue[1:]
		d := described{name: t.String(), special: specialTypes[t], pkg: t.PkgPath(), methods: methodNames(t), promoted: map[string][]int{}}
		direct := map[string]bool{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				d.unexported = append(d.unexported, f.Name)
				continue
			}
			direct[f.Name] = true
			ref, err := typeRef(f.Type, seen, &queue)
			if err != nil {
				return fmt.Errorf("%s.%s: %w", t, f.Name, err)
			}
			name, inline := jsonName(f)
			d.fields = append(d.fields, field{name: f.Name, json: name, typ: ref, embedded: f.Anonymous || inline, proto: protoNumber(f)})
		}
		// Promoted fields: the names reflect finds below the top level (Go's depth and ambiguity rules).
		var walk func(s reflect.Type, depth int)
		candidates := map[string]bool{}
		walk = func(s reflect.Type, depth int) {
			if depth > 8 {
				return
			}
			for i := 0; i < s.NumField(); i++ {
				f := s.Field(i)
				if depth > 0 && f.IsExported() {
					candidates[f.Name] = true
				}
				if f.Anonymous && f.Type.Kind() == reflect.Struct {
					walk(f.Type, depth+1)
				}
			}
		}
		walk(t, 0)
		for name := range candidates {
			if direct[name] {
				continue
			}
			if sf, ok := t.FieldByName(name); ok {
				d.promoted[name] = sf.Index
			}
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })

	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("// Generated by `go run . kube-types` in test/tools/gotemplate from k8s.io/api and k8s.io/apimachinery %s; do not edit.\n", kubeVersion)
	p("// The Go struct types templates reach from metav1.ObjectMeta, corev1.PodSpec and corev1.NodeSpec:\n")
	p("// every field by Go name with its JSON name and Go type, the unexported fields, the methods of *T,\n")
	p("// and the fields promoted from embedded structs (by index path).\n")
	p("import type { KubeStructDescription } from './kubernetes-type-model.ts';\n\n")
	p("export const kubernetesVersion = %s;\n\n", quoteTS(kubeVersion))
	p("export const kubernetesStructs: readonly KubeStructDescription[] = [\n")
	for _, d := range out {
		p("  {\n    name: %s,\n    package: %s,\n", quoteTS(d.name), quoteTS(d.pkg))
		if d.special != "" {
			p("    special: %s,\n", quoteTS(d.special))
		}
		p("    fields: [\n")
		for _, f := range d.fields {
			emb := ""
			if f.embedded {
				emb = ", embedded: true"
			}
			proto := ""
			if f.proto > 0 {
				proto = fmt.Sprintf(", proto: %d", f.proto)
			}
			p("      { name: %s, json: %s, type: %s%s%s },\n", quoteTS(f.name), quoteTS(f.json), quoteTS(f.typ), emb, proto)
		}
		p("    ],\n")
		if len(d.unexported) > 0 {
			p("    unexported: [%s],\n", joinQuoted(d.unexported))
		}
		if len(d.methods) > 0 {
			p("    methods: [%s],\n", joinQuoted(d.methods))
		}
		if len(d.promoted) > 0 {
			names := make([]string, 0, len(d.promoted))
			for n := range d.promoted {
				names = append(names, n)
			}
			sort.Strings(names)
			p("    promoted: {")
			for i, n := range names {
				if i > 0 {
					p(", ")
				}
				idx := make([]string, len(d.promoted[n]))
				for j, x := range d.promoted[n] {
					idx[j] = fmt.Sprint(x)
				}
				p("%s: [%s]", n, strings.Join(idx, ", "))
			}
			p("},\n")
		}
		p("  },\n")
	}
	p("];\n\n")
	p("/** Methods of named slice and map types (of *T), which Go would call for `.Name`. */\n")
	p("export const kubernetesTypeMethods: Readonly<Record<string, readonly string[]>> = {\n")
	named := make([]string, 0, len(namedMethods))
	for n := range namedMethods {
		named = append(named, n)
	}
	sort.Strings(named)
	for _, n := range named {
		p("  %s: [%s],\n", quoteTS(n), joinQuoted(namedMethods[n]))
	}
	p("};\n")
	return nil
}

// kubeVersion is the k8s.io/api version this binary was built with.
var kubeVersion = func() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "k8s.io/api" {
				return dep.Version
			}
		}
	}
	return "unknown"
}()

// protoNumber is the field's number in its protobuf message (its `protobuf:"bytes,3,..."` tag), the order
// in which the String() that k8s.io/api generates lists fields; 0 without one.
func protoNumber(f reflect.StructField) int {
	parts := strings.Split(f.Tag.Get("protobuf"), ",")
	if len(parts) < 2 {
		return 0
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil {
		return 0
	}
	return n
}

func joinQuoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteTS(n)
	}
	return strings.Join(q, ", ")
}
