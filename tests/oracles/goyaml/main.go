// The go-yaml oracle: reads YAML streams the way Kubernetes does, for the differential test in
// tests/oracle/goyaml.rs.
//
// Protocol: each line of stdin is one JSON string, a whole YAML stream. For each, one line of
// JSON goes to stdout:
//
//	{"docs": [DOC, ...], "error": "..."}
//
// where DOC is {"json": <the document as sigs.k8s.io/yaml.YAMLToJSON writes it>},
// {"error": "..."} (go-yaml or the JSON conversion refused it) or {"ambiguous": "..."} (two
// different keys of one mapping become the same JSON key, so the result depends on Go's map
// order and is not one answer); a document read has "dropped": "..." too when its text goes on
// after the first YAML document (after a `...` line, say), which Kubernetes silently drops:
// YAMLToJSON reads only the first document, and a go-yaml Decoder finds what follows. The
// stream-level "error" is set when the YAML reader
// stopped the stream (then "docs" holds the documents read before that).
//
// The split is k8s.io/apimachinery's YAMLReader (pkg/util/yaml/decoder.go: YAMLReader and
// LineReader), which Debian does not package: it is ported below from
// github.com/kubernetes/apimachinery at commit eed236ceee2c19c2753a3d93ac0631dc20750454,
// the reader kubectl's and Helm's resource builder use (through YAMLOrJSONDecoder, for a stream
// that does not start with `{`). Each document is then converted by sigs.k8s.io/yaml's
// YAMLToJSON, as YAMLToJSONDecoder.Decode does.
//
// Versions: built from Debian's golang-k8s-sigs-yaml-dev (sigs.k8s.io/yaml 1.3.0), which
// imports gopkg.in/yaml.v2 (golang-gopkg-yaml.v2-dev, 2.4.0). Newer sigs.k8s.io/yaml (1.4.0
// and later, which current Kubernetes uses) carries a copy of the same go-yaml v2.4 code
// (sigs.k8s.io/yaml/goyaml.v2, since go.yaml.in/yaml/v2), with the same conversion; this oracle
// runs gopkg.in/yaml.v2 2.4.0.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	goyaml "gopkg.in/yaml.v2"
	"sigs.k8s.io/yaml"
)

const separator = "---"

// yamlReader is apimachinery's YAMLReader.Read, unchanged but for names.
type yamlReader struct {
	reader *lineReader
}

func (r *yamlReader) Read() ([]byte, error) {
	var buffer bytes.Buffer
	for {
		line, err := r.reader.Read()
		if err != nil && err != io.EOF {
			return nil, err
		}

		sep := len([]byte(separator))
		if i := bytes.Index(line, []byte(separator)); i == 0 {
			// We have a potential document terminator
			i += sep
			trimmed := strings.TrimSpace(string(line[i:]))
			// We only allow comments and spaces following the yaml doc separator, otherwise we'll return an error
			if len(trimmed) > 0 && string(trimmed[0]) != "#" {
				return nil, fmt.Errorf("invalid Yaml document separator: %s", trimmed)
			}
			if buffer.Len() != 0 {
				return buffer.Bytes(), nil
			}
			if err == io.EOF {
				return nil, err
			}
		}
		if err == io.EOF {
			if buffer.Len() != 0 {
				// If we're at EOF, we have a final, non-terminated line. Return it.
				return buffer.Bytes(), nil
			}
			return nil, err
		}
		buffer.Write(line)
	}
}

// lineReader is apimachinery's LineReader.Read, unchanged but for names.
type lineReader struct {
	reader *bufio.Reader
}

func (r *lineReader) Read() ([]byte, error) {
	var (
		isPrefix bool  = true
		err      error = nil
		line     []byte
		buffer   bytes.Buffer
	)

	for isPrefix && err == nil {
		line, isPrefix, err = r.reader.ReadLine()
		buffer.Write(line)
	}
	buffer.WriteByte('\n')
	return buffer.Bytes(), err
}

// keyString is the JSON key sigs.k8s.io/yaml's convertToJSONableObject makes of a key.
func keyString(k interface{}) (string, bool) {
	switch k := k.(type) {
	case string:
		return k, true
	case int:
		return strconv.Itoa(k), true
	case int64:
		return strconv.FormatInt(k, 10), true
	case float64:
		s := strconv.FormatFloat(k, 'g', -1, 32)
		switch s {
		case "+Inf":
			s = ".inf"
		case "-Inf":
			s = "-.inf"
		case "NaN":
			s = ".nan"
		}
		return s, true
	case bool:
		if k {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// ambiguous finds a mapping where two different keys give the same JSON key: which value
// YAMLToJSON keeps then depends on Go's randomised map order.
func ambiguous(v interface{}) string {
	switch v := v.(type) {
	case map[interface{}]interface{}:
		seen := map[string]interface{}{}
		for k, item := range v {
			if s, ok := keyString(k); ok {
				if other, dup := seen[s]; dup {
					return fmt.Sprintf("keys %#v and %#v both become %q", other, k, s)
				}
				seen[s] = k
			}
			if a := ambiguous(item); a != "" {
				return a
			}
		}
	case []interface{}:
		for _, item := range v {
			if a := ambiguous(item); a != "" {
				return a
			}
		}
	}
	return ""
}

type doc struct {
	JSON      json.RawMessage `json:"json,omitempty"`
	Error     string          `json:"error,omitempty"`
	Ambiguous string          `json:"ambiguous,omitempty"`
	Dropped   string          `json:"dropped,omitempty"`
}

// dropped says what follows the first YAML document of a chunk, which YAMLToJSON never reads:
// "" when only comments, blank lines and `...` lines do.
func dropped(chunk []byte) string {
	dec := goyaml.NewDecoder(bytes.NewReader(chunk))
	var first interface{}
	if err := dec.Decode(&first); err != nil {
		// No document at all (io.EOF), or one go-yaml refuses: YAMLToJSON said so already.
		return ""
	}
	var second interface{}
	switch err := dec.Decode(&second); err {
	case nil:
		return "a second document"
	case io.EOF:
		return ""
	default:
		return "after the first document: " + err.Error()
	}
}

type result struct {
	Docs  []doc  `json:"docs"`
	Error string `json:"error,omitempty"`
}

func read(stream string) (res result) {
	res.Docs = []doc{}
	reader := &yamlReader{reader: &lineReader{reader: bufio.NewReader(strings.NewReader(stream))}}
	for {
		chunk, err := reader.Read()
		if err != nil && err != io.EOF {
			res.Error = err.Error()
			return
		}
		if len(chunk) != 0 {
			res.Docs = append(res.Docs, convert(chunk))
		}
		if err == io.EOF {
			return
		}
	}
}

func convert(chunk []byte) (d doc) {
	defer func() {
		// Neither library should panic; if one does, that is an answer too (Kubernetes
		// recovers it as an error), not a crash of the oracle.
		if p := recover(); p != nil {
			d = doc{Error: fmt.Sprintf("panic: %v", p)}
		}
	}()
	j, err := yaml.YAMLToJSON(chunk)
	if err != nil {
		return doc{Error: err.Error()}
	}
	var tree interface{}
	if err := goyaml.Unmarshal(chunk, &tree); err == nil {
		if a := ambiguous(tree); a != "" {
			return doc{Ambiguous: a}
		}
	}
	return doc{JSON: json.RawMessage(j), Dropped: dropped(chunk)}
}

func main() {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for {
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var stream string
			if e := json.Unmarshal(line, &stream); e != nil {
				fmt.Fprintf(os.Stderr, "goyaml oracle: input line is not a JSON string: %v\n", e)
				os.Exit(2)
			}
			if e := enc.Encode(read(stream)); e != nil {
				fmt.Fprintf(os.Stderr, "goyaml oracle: %v\n", e)
				os.Exit(2)
			}
			out.Flush()
		}
		if err != nil {
			return
		}
	}
}
