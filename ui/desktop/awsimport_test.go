package desktop

import (
	"strings"
	"testing"

	"github.com/cvpn/cvpn/profile/awsclient"
	"github.com/cvpn/cvpn/ui/i18n"
)

// The Profile menu's "Import from AWS VPN Client" imports through the
// model and shows the whole report in one dialog: nothing found (with
// where it looked), or what arrived and what was refused with its fix.
func TestImportFromAWSClientMenu(t *testing.T) {
	for _, tt := range []struct {
		name   string
		report *awsclient.Report
		want   []string
	}{
		{"nothing found", nil, []string{"No AWS VPN Client profiles were found", ".config/AWSVPNClient"}},
		{"report", &awsclient.Report{Found: 2,
			Imported: []awsclient.Imported{{AWSName: "Corp", Name: "Corp", Endpoint: "cvpn-endpoint-1"}},
			Refused:  []awsclient.Refused{{AWSName: "Old", Why: "its .ovpn file is missing", Fix: "download it again"}}},
			[]string{"2 found, 1 imported, 1 refused.", "Imported: Corp (cvpn-endpoint-1)", "Refused: Old: its .ovpn file is missing Fix: download it again"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := startApp(t)
			if tt.report != nil {
				h.b.SetAWSImport(*tt.report, nil)
			}
			var item func()
			for _, it := range h.x.Window.Fyne().MainMenu().Items[0].Items {
				if it.Label == i18n.T("profile.import_aws") {
					item = it.Action
				}
			}
			if item == nil {
				t.Fatal("the Profile menu has no Import from AWS VPN Client")
			}
			item()
			top := h.x.Window.Fyne().Canvas().Overlays().Top()
			if top == nil {
				t.Fatal("no dialog is shown")
			}
			got := strings.Join(texts(top), "\n")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("the dialog lacks %q:\n%s", w, got)
				}
			}
		})
	}
}
