package viewmodeltest

import (
	"github.com/cvpn/cvpn/profile/awsclient"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

var _ viewmodel.AWSImporter = (*Backend)(nil)

// SetAWSImport sets what ImportFromAWSClient returns; its imported
// profiles are added to the list.
func (b *Backend) SetAWSImport(r awsclient.Report, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.awsReport, b.awsErr = &r, err
}

// ImportFromAWSClient implements viewmodel.AWSImporter with what
// SetAWSImport set; without it there is nothing to find.
func (b *Backend) ImportFromAWSClient() (awsclient.Report, error) {
	b.record("import from aws client")
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.awsReport == nil {
		return awsclient.Report{Looked: []string{"/home/user/.config/AWSVPNClient"}}, awsclient.ErrNotFound
	}
	for _, i := range b.awsReport.Imported {
		if b.find(i.Name) < 0 {
			b.entries = append(b.entries, Entry(i.Name, false))
		}
	}
	return *b.awsReport, b.awsErr
}
