package orgspec

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v4"
)

// The document is edited as a YAML node tree rather than decoded into
// structs, so whatever the generic document holds (its key order, its
// extensions, parts this package does not know) comes out as it went in.

// mapping returns a mapping node of the key/value pairs kv.
func mapping(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	add(m, kv...)
	return m
}

// add appends the key/value pairs kv to the mapping m; a key m already
// has takes the new value in place.
func add(m *yaml.Node, kv ...any) {
	if len(kv)%2 != 0 {
		panic("orgspec: add needs key/value pairs")
	}
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		v := node(kv[i+1])
		if j := index(m, k); j >= 0 {
			m.Content[j+1] = v
			continue
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, v)
	}
}

// node makes a node of a Go value of the few kinds the package builds.
func node(v any) *yaml.Node {
	switch x := v.(type) {
	case *yaml.Node:
		return x
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: x}
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(x)}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(x)}
	}
	panic(fmt.Sprintf("orgspec: no node for %T", v))
}

// strings returns a sequence node of ss.
func strings(ss []string) *yaml.Node {
	s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, v := range ss {
		s.Content = append(s.Content, node(v))
	}
	return s
}

// index returns the position of key k in mapping m, or -1.
func index(m *yaml.Node, k string) int {
	if m == nil || m.Kind != yaml.MappingNode {
		return -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == k {
			return i
		}
	}
	return -1
}

// get returns the value of key k in mapping m, or nil.
func get(m *yaml.Node, k string) *yaml.Node {
	if i := index(m, k); i >= 0 {
		return m.Content[i+1]
	}
	return nil
}

// del removes key k from mapping m.
func del(m *yaml.Node, k string) {
	if i := index(m, k); i >= 0 {
		m.Content = append(m.Content[:i:i], m.Content[i+2:]...)
	}
}

// clone copies n deeply; aliases are resolved into copies of what they
// name, so the copy can be edited without touching the original.
func clone(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		return clone(n.Alias)
	}
	c := *n
	c.Anchor = ""
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = clone(x)
	}
	return &c
}
