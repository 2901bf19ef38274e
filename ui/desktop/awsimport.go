package desktop

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2/dialog"

	"github.com/cvpn/cvpn/profile/awsclient"
	"github.com/cvpn/cvpn/ui/i18n"
)

// importFromAWSClient imports the AWS VPN Client's profiles and shows,
// in one dialog, what arrived and what was refused with its fix: a user
// moving over needs the whole picture, not a notice per profile.
func (w *Window) importFromAWSClient() {
	r, err := w.m.ImportFromAWSClient()
	title := i18n.T("profile.import_aws.title")
	if errors.Is(err, awsclient.ErrNotFound) {
		dialog.ShowInformation(title, i18n.TD("profile.import_aws.none", map[string]any{"Dirs": strings.Join(r.Looked, ", ")}), w.win)
		return
	}
	if err != nil && len(r.Imported) == 0 {
		dialog.ShowError(err, w.win)
		return
	}
	dialog.ShowInformation(title, awsReportText(r), w.win)
}

// awsReportText is the report in the user's language.
func awsReportText(r awsclient.Report) string {
	lines := []string{i18n.TD("profile.import_aws.summary", map[string]any{
		"Found": r.Found, "Imported": len(r.Imported), "Refused": len(r.Refused) + len(r.Failed)})}
	for _, i := range r.Imported {
		lines = append(lines, i18n.TD("profile.import_aws.imported", map[string]any{"Name": i.Name, "Endpoint": i.Endpoint}))
	}
	for _, ref := range append(append([]awsclient.Refused(nil), r.Refused...), r.Failed...) {
		lines = append(lines, i18n.TD("profile.import_aws.refused", map[string]any{"Name": ref.AWSName, "Why": ref.Why, "Fix": ref.Fix}))
	}
	return strings.Join(lines, "\n")
}
