package portal

import "testing"

// Every English string has a Japanese one, and no Japanese key is stale.
func TestCatalogComplete(t *testing.T) {
	for k := range catalog[langEN] {
		if catalog[langJA][k] == "" {
			t.Errorf("ja lacks %q", k)
		}
	}
	for k := range catalog[langJA] {
		if catalog[langEN][k] == "" {
			t.Errorf("ja has %q, which en does not", k)
		}
	}
}
