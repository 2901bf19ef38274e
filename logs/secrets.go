package logs

import "sort"

// secretMatcher finds every registered secret in a line in one pass over
// the line, whatever the secrets are: an Aho–Corasick automaton over bytes.
//
// It replaces a strings.Replacer, whose multi-string form tries each
// secret afresh at every position of the line: with a long, repetitive
// secret ("aaaa…ab") that is line length × secret length per line, and an
// allowed user chose the secret. Here each byte of the line moves the
// automaton once, and the failure links it falls back along are paid for
// by the bytes that went forward, so a line costs O(len(line)). Building
// costs O(total secret length) and happens only when a secret is
// registered.
//
// What is removed is the union of every occurrence of every secret, so
// overlapping or adjacent occurrences become one Marker and no part of
// any secret survives.
type secretMatcher struct {
	// root is the root's edges as a table (0: none), since most bytes of
	// most lines are read there.
	root  [256]int32
	nodes []matchNode
	edges []matchEdge // node i's children: edges[first : first+n], sorted by b
}

type matchNode struct {
	first int32 // index of the first edge
	n     int32 // number of edges
	fail  int32 // the node for the longest proper suffix that is also in the trie
	// longest is the length of the longest secret that ends at this node
	// (itself, or a suffix of it found along the failure links), 0 if none.
	longest int32
}

type matchEdge struct {
	to int32
	b  byte
}

// newSecretMatcher builds the automaton for secrets (none empty).
func newSecretMatcher(secrets []string) *secretMatcher {
	// The trie, with each node's children in its own slice while building.
	type building struct {
		kids  []matchEdge
		depth int32
		end   bool
	}
	trie := []building{{}}
	for _, s := range secrets {
		cur := int32(0)
		for i := 0; i < len(s); i++ {
			next := int32(-1)
			for _, e := range trie[cur].kids {
				if e.b == s[i] {
					next = e.to
					break
				}
			}
			if next < 0 {
				next = int32(len(trie))
				trie = append(trie, building{depth: trie[cur].depth + 1})
				trie[cur].kids = append(trie[cur].kids, matchEdge{to: next, b: s[i]})
			}
			cur = next
		}
		trie[cur].end = true
	}
	m := &secretMatcher{nodes: make([]matchNode, len(trie))}
	for i := range trie {
		kids := trie[i].kids
		sort.Slice(kids, func(a, b int) bool { return kids[a].b < kids[b].b })
		m.nodes[i].first, m.nodes[i].n = int32(len(m.edges)), int32(len(kids))
		m.edges = append(m.edges, kids...)
	}
	// Failure links and longest, breadth first so a node's failure target
	// (shallower) is complete before the node.
	queue := make([]int32, 0, len(trie))
	for _, e := range m.children(0) {
		m.root[e.b] = e.to
		queue = append(queue, e.to) // fail = 0
	}
	for q := 0; q < len(queue); q++ {
		u := queue[q]
		if trie[u].end {
			m.nodes[u].longest = trie[u].depth
		} else {
			m.nodes[u].longest = m.nodes[m.nodes[u].fail].longest
		}
		for _, e := range m.children(u) {
			f := m.nodes[u].fail
			for {
				if to, ok := m.child(f, e.b); ok {
					m.nodes[e.to].fail = to
					break
				}
				if f == 0 {
					break // fail stays 0
				}
				f = m.nodes[f].fail
			}
			queue = append(queue, e.to)
		}
	}
	return m
}

func (m *secretMatcher) children(n int32) []matchEdge {
	nd := m.nodes[n]
	return m.edges[nd.first : nd.first+nd.n]
}

// child follows the edge for b out of n, by binary search.
func (m *secretMatcher) child(n int32, b byte) (int32, bool) {
	kids := m.children(n)
	lo, hi := 0, len(kids)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if kids[mid].b < b {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(kids) && kids[lo].b == b {
		return kids[lo].to, true
	}
	return 0, false
}

// replace returns s with every occurrence of a secret replaced by Marker
// (merged where they overlap or touch). A line with none is returned as is,
// without allocating.
func (m *secretMatcher) replace(s string) string {
	var spans []span
	st := int32(0)
	for i := 0; i < len(s); i++ {
		for {
			if st == 0 {
				st = m.root[s[i]]
				break
			}
			if to, ok := m.child(st, s[i]); ok {
				st = to
				break
			}
			st = m.nodes[st].fail
		}
		l := int(m.nodes[st].longest)
		if l == 0 {
			continue
		}
		// A later match may start before earlier ones: it swallows them.
		sp := span{start: i + 1 - l, end: i + 1}
		for len(spans) > 0 && spans[len(spans)-1].end >= sp.start {
			sp.start = min(sp.start, spans[len(spans)-1].start)
			spans = spans[:len(spans)-1]
		}
		spans = append(spans, sp)
	}
	if len(spans) == 0 {
		return s
	}
	out := make([]byte, 0, len(s))
	last := 0
	for _, sp := range spans {
		out = append(out, s[last:sp.start]...)
		out = append(out, Marker...)
		last = sp.end
	}
	out = append(out, s[last:]...)
	return string(out)
}

type span struct{ start, end int }
