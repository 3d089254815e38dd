// Command kube-strict decodes every Kubernetes object of the YAML streams it is given into the
// API's own Go types, strictly, as the API server does for `kubectl apply` (field validation
// Strict): an unknown field (a typo such as `readinesProbe`), a duplicate field, or a value of the
// wrong type (`containerPort: "5001"`) is an error, and so is a kind the API does not have.
// The schema checks of test/deploy/k8s.test.ts (required fields, formats, enums) complement it.
//
//	kube-strict [FILE...]    (no FILE: standard input) prints one line per error, exits 1 on any
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
)

func main() {
	decoder := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
		json.SerializerOptions{Yaml: true, Strict: true})
	inputs := os.Args[1:]
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	problems := 0
	for _, name := range inputs {
		n, err := check(decoder, name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
			os.Exit(2)
		}
		problems += n
	}
	if problems > 0 {
		os.Exit(1)
	}
}

// check decodes every document of one stream and prints its errors; it returns how many.
func check(decoder *json.Serializer, name string) (int, error) {
	var input io.Reader = os.Stdin
	label := "stdin"
	if name != "-" {
		label = name
		file, err := os.Open(name)
		if err != nil {
			return 0, err
		}
		defer file.Close()
		input = file
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(input))
	problems := 0
	for index := 0; ; index++ {
		document, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return problems, nil
		}
		if err != nil {
			return problems, err
		}
		if len(bytes.TrimSpace(document)) == 0 {
			continue
		}
		if _, gvk, err := decoder.Decode(document, nil, nil); err != nil {
			problems++
			fmt.Printf("%s document %d (%v): %v\n", label, index, gvk, err)
		}
	}
}
