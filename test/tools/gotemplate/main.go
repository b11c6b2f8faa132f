// Command gotemplate renders Go text/template templates with JSON data. It is the reference that the
// project's TypeScript engine (src/template) is compared with.
//
//	gotemplate batch    reads JSON-lines cases on stdin, writes one JSON-lines result per case
//	gotemplate bench    renders one template over many data items and prints the time per render
//	gotemplate kube-types  prints src/identity/kubernetes-types.ts (see kubetypes.go)
//
// JSON objects become map[string]any and numbers float64, as encoding/json decodes into any. Two markers
// build other Go values: {"$int": 3} is an int, {"$goStruct": "v1.ObjectMeta", "fields": {...}} a struct
// of one of the types in package v1, and {"$registrarData": {"pod": ..., "node": ..., "cluster": {...}}}
// the registrar's template data over a real corev1.Pod and corev1.Node decoded from their JSON (see
// registrar_data.go). Slices are clipped (cap == len), because the TypeScript engine has no spare
// capacity for `slice` to reach.
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"text/template"
	"time"
	"unicode/utf8"

	v1 "spire-eks-workload-registrar/test/tools/gotemplate/v1"
)

var structTypes = map[string]reflect.Type{
	"v1.ObjectMeta":   reflect.TypeFor[v1.ObjectMeta](),
	"v1.PodSpec":      reflect.TypeFor[v1.PodSpec](),
	"v1.NodeSpec":     reflect.TypeFor[v1.NodeSpec](),
	"v1.TemplateData": reflect.TypeFor[v1.TemplateData](),
	"v1.Sample":       reflect.TypeFor[v1.Sample](),
}

type renderCase struct {
	Name       string          `json:"name"`
	Template   string          `json:"template"`
	Data       json.RawMessage `json:"data"`
	MissingKey string          `json:"missingkey"`
	LeftDelim  string          `json:"leftDelim"`
	RightDelim string          `json:"rightDelim"`
}

type renderResult struct {
	Output      *string `json:"output,omitempty"`
	OutputBytes string  `json:"outputBase64,omitempty"`
	Error       *string `json:"error,omitempty"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gotemplate batch | bench -template T -data-file F [-n N]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "batch":
		if err := batch(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "kube-types":
		if err := kubeTypes(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "bench":
		if err := bench(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q\n", os.Args[1])
		os.Exit(2)
	}
}

func batch() error {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for in.Scan() {
		var c renderCase
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			return fmt.Errorf("bad case: %w", err)
		}
		if err := enc.Encode(render(c)); err != nil {
			return err
		}
		// The driver waits for each answer before it sends the next case when it runs interactively.
		if err := out.Flush(); err != nil {
			return err
		}
	}
	return in.Err()
}

func render(c renderCase) renderResult {
	data, err := decodeData(c.Data)
	if err != nil {
		msg := "bad data: " + err.Error()
		return renderResult{Error: &msg}
	}
	text, err := run(c, data)
	if err != nil {
		msg := err.Error()
		return renderResult{Error: &msg}
	}
	if utf8.ValidString(text) {
		return renderResult{Output: &text}
	}
	return renderResult{OutputBytes: base64.StdEncoding.EncodeToString([]byte(text))}
}

func parse(c renderCase) (*template.Template, error) {
	name := c.Name
	if name == "" {
		name = "template"
	}
	t := template.New(name).Delims(c.LeftDelim, c.RightDelim)
	if c.MissingKey != "" {
		t = t.Option("missingkey=" + c.MissingKey)
	}
	return t.Parse(c.Template)
}

func run(c renderCase, data any) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	t, err := parse(c)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", err
	}
	return buf.String(), nil
}

func decodeData(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return convert(v)
}

// convert clips slices and builds the values the markers stand for.
func convert(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := convert(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case map[string]any:
		if n, ok := x["$int"]; ok && len(x) == 1 {
			f, ok := n.(float64)
			if !ok {
				return nil, fmt.Errorf("$int needs a number")
			}
			return int(f), nil
		}
		if kube, ok := x["$registrarData"]; ok && len(x) == 1 {
			return registrarData(kube)
		}
		if name, ok := x["$goStruct"]; ok {
			return buildStruct(name, x["fields"])
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := convert(e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	}
	return v, nil
}

func buildStruct(name any, fields any) (any, error) {
	typeName, _ := name.(string)
	typ, ok := structTypes[typeName]
	if !ok {
		return nil, fmt.Errorf("unknown struct type %v", name)
	}
	values, _ := fields.(map[string]any)
	s := reflect.New(typ).Elem()
	for key, raw := range values {
		f := s.FieldByName(key)
		if !f.IsValid() {
			return nil, fmt.Errorf("%s has no field %s", typeName, key)
		}
		c, err := convert(raw)
		if err != nil {
			return nil, err
		}
		if err := assign(f, c); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", typeName, key, err)
		}
	}
	return s.Interface(), nil
}

func assign(f reflect.Value, v any) error {
	if v == nil {
		return nil // the zero value of the field
	}
	switch f.Kind() {
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("want an object")
		}
		out := reflect.MakeMapWithSize(f.Type(), len(m))
		for k, e := range m {
			ev := reflect.ValueOf(e)
			if !ev.Type().AssignableTo(f.Type().Elem()) {
				return fmt.Errorf("value of %q has type %s", k, ev.Type())
			}
			out.SetMapIndex(reflect.ValueOf(k), ev)
		}
		f.Set(out)
		return nil
	case reflect.Int:
		switch n := v.(type) {
		case int:
			f.SetInt(int64(n))
		case float64:
			f.SetInt(int64(n))
		default:
			return fmt.Errorf("want a number")
		}
		return nil
	}
	rv := reflect.ValueOf(v)
	if !rv.Type().AssignableTo(f.Type()) {
		return fmt.Errorf("value of type %s", rv.Type())
	}
	f.Set(rv)
	return nil
}

func bench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	text := fs.String("template", "", "template text")
	dataFile := fs.String("data-file", "", "JSON array of data items")
	n := fs.Int("n", 100000, "renders to time")
	rounds := fs.Int("rounds", 5, "timed rounds; the fastest counts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	raw, err := os.ReadFile(*dataFile)
	if err != nil {
		return err
	}
	var items []any
	if err := json.Unmarshal(raw, &items); err != nil {
		return err
	}
	for i := range items {
		if items[i], err = convert(items[i]); err != nil {
			return err
		}
	}
	if len(items) == 0 {
		return fmt.Errorf("no data items")
	}
	t, err := template.New("bench").Parse(*text)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	total := 0
	once := func() (time.Duration, error) {
		start := time.Now()
		for i := 0; i < *n; i++ {
			buf.Reset()
			if err := t.Execute(&buf, items[i%len(items)]); err != nil {
				return 0, err
			}
			total += buf.Len()
		}
		return time.Since(start), nil
	}
	if _, err := once(); err != nil { // warm-up
		return err
	}
	best := time.Duration(1<<63 - 1)
	for r := 0; r < *rounds; r++ {
		d, err := once()
		if err != nil {
			return err
		}
		best = min(best, d)
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"nsPerRender": float64(best.Nanoseconds()) / float64(*n),
		"renders":     *n,
		"bytes":       total,
		"goVersion":   runtime.Version(),
	})
}
