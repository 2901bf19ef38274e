package viewmodel_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/profile/awsclient"
	"github.com/cvpn/cvpn/ui/viewmodel"
	"github.com/cvpn/cvpn/ui/viewmodel/viewmodeltest"
)

func TestServiceImportFromAWSClient(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("APPDATA", filepath.Join(home, "AppData", "Roaming"))
	s := &viewmodel.Service{Store: profile.NewStore(filepath.Join(home, "user"), filepath.Join(home, "managed"))}
	r, err := s.ImportFromAWSClient()
	if !errors.Is(err, awsclient.ErrNotFound) || len(r.Looked) == 0 {
		t.Fatalf("empty home: %v, looked %v", err, r.Looked)
	}
}

func TestModelImportFromAWSClient(t *testing.T) {
	b := viewmodeltest.New()
	m := viewmodel.New(b, viewmodel.Options{})
	if _, err := m.ImportFromAWSClient(); !errors.Is(err, awsclient.ErrNotFound) {
		t.Fatalf("nothing set: %v", err)
	}
	b.SetAWSImport(awsclient.Report{Found: 2, Imported: []awsclient.Imported{{AWSName: "Corp", Name: "Corp", Endpoint: "cvpn-endpoint-1"}},
		Refused: []awsclient.Refused{{AWSName: "Old", Why: "missing", Fix: "download it"}}}, nil)
	r, err := m.ImportFromAWSClient()
	if err != nil || len(r.Imported) != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	list, err := b.Profiles()
	if err != nil || len(list) != 1 || list[0].Name != "Corp" {
		t.Errorf("profiles %+v %v", list, err)
	}
}
