package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRegistryValues(t *testing.T) {
	tests := []struct {
		name, json string
		want       []RegValue
		err        string
	}{
		{"bool true", `{"auto_reconnect": true}`, []RegValue{{PolicyKey, "auto_reconnect", "integer", "1"}}, ""},
		{"bool false", `{"allow_import": false}`, []RegValue{{PolicyKey, "allow_import", "integer", "0"}}, ""},
		{"number", `{"max_tunnels": 3}`, []RegValue{{PolicyKey, "max_tunnels", "integer", "3"}}, ""},
		{"string", `{"log_level": "debug"}`, []RegValue{{PolicyKey, "log_level", "string", "debug"}}, ""},
		{"brackets are not properties", `{"browser": "x [ProgramFilesFolder] y"}`,
			[]RegValue{{PolicyKey, "browser", "string", `x [\[]ProgramFilesFolder[\]] y`}}, ""},
		{"leading hash is literal", `{"browser": "#1"}`, []RegValue{{PolicyKey, "browser", "string", "##1"}}, ""},
		{"one-item list is still multi", `{"allowed_servers": ["a.example"]}`,
			[]RegValue{{PolicyKey, "allowed_servers", "string", "[~]a.example[~]"}}, ""},
		{"list", `{"blocked_servers": ["a", "b"]}`, []RegValue{{PolicyKey, "blocked_servers", "string", "[~]a[~]b[~]"}}, ""},
		{"sorted", `{"log_level": "info", "auto_reconnect": true}`, []RegValue{
			{PolicyKey, "auto_reconnect", "integer", "1"}, {PolicyKey, "log_level", "string", "info"}}, ""},
		{"empty list", `{"allowed_servers": []}`, nil, "empty REG_MULTI_SZ"},
		{"negative", `{"max_tunnels": -1}`, nil, "whole number"},
		{"fraction", `{"max_tunnels": 1.5}`, nil, "whole number"},
		{"object", `{"x": {"y": 1}}`, nil, "cannot be written"},
		{"mixed list", `{"allowed_servers": ["a", 1]}`, nil, "item 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := json.NewDecoder(strings.NewReader(tt.json))
			dec.UseNumber()
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			got, err := RegistryValues(m)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("value %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestLoadRefuses(t *testing.T) {
	prof, err := os.ReadFile("../../../profile/testdata/aws-saml.ovpn")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		files map[string]string
		err   string
	}{
		{"empty dir", nil, "neither policy.json nor profiles"},
		{"unknown policy key", map[string]string{"policy.json": `{"auto_reconect": true}`}, "auto_reconect"},
		{"not a profile", map[string]string{"profiles/x.ovpn": "remote\n"}, "x.ovpn"},
		{"not .ovpn", map[string]string{"profiles/readme.txt": "hi"}, "only .ovpn"},
		{"good", map[string]string{"policy.json": `{"auto_reconnect": true}`, "profiles/work.ovpn": string(prof)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tt.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(dir)
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want one containing %q", err, tt.err)
			}
		})
	}
}

func TestWXI(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "policy.json"), []byte(`{"log_level": "debug", "allow_import": false}`), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	comps, refs, err := WXI(Input{Config: c, TemplateDir: "/t", Templates: []string{"cvpn.admx", "en-US/cvpn.adml"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`Name="en-US"`, `Source="/t/en-US/cvpn.adml"`, `Source="/t/cvpn.admx"`,
		`Key="SOFTWARE\Policies\cvpn" Name="allow_import" Type="integer" Value="0" KeyPath="yes"`,
		`Name="log_level" Type="string" Value="debug"`,
	} {
		if !strings.Contains(string(comps), want) {
			t.Errorf("components lack %s:\n%s", want, comps)
		}
	}
	if n := strings.Count(string(refs), "<ComponentRef "); n != 3 {
		t.Errorf("refs has %d ComponentRefs, want 3:\n%s", n, refs)
	}
	// Same input, same identifiers and GUIDs: upgrades find their components.
	again, _, _ := WXI(Input{Config: c, TemplateDir: "/t", Templates: []string{"cvpn.admx", "en-US/cvpn.adml"}})
	if string(again) != string(comps) {
		t.Error("WXI is not deterministic")
	}
}
