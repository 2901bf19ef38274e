package viewmodel

import (
	"errors"

	"github.com/cvpn/cvpn/profile/awsclient"
)

// AWSImporter is the part of a Backend that moves the AWS VPN Client's
// profiles over. It is its own interface for now so that backends built
// before it still satisfy Backend; Model.ImportFromAWSClient says when a
// backend lacks it.
type AWSImporter interface {
	// ImportFromAWSClient imports every profile of the AWS VPN Client
	// found in its usual places, and reports each one's fate.
	ImportFromAWSClient() (awsclient.Report, error)
}

// ErrNoAWSImport means the backend cannot import from the AWS VPN Client.
var ErrNoAWSImport = errors.New("importing from the AWS VPN Client is not available here")

// ImportFromAWSClient implements AWSImporter with the store, through the
// same checks as any import.
func (s *Service) ImportFromAWSClient() (awsclient.Report, error) {
	return awsclient.Import(s.Store, awsclient.Dirs())
}

// ImportFromAWSClient imports the AWS VPN Client's profiles and refreshes
// the list when any arrived. awsclient.ErrNotFound, with the report's
// Looked filled in, means there was nothing to import.
func (m *Model) ImportFromAWSClient() (awsclient.Report, error) {
	imp, ok := m.b.(AWSImporter)
	if !ok {
		return awsclient.Report{}, ErrNoAWSImport
	}
	r, err := imp.ImportFromAWSClient()
	if err != nil || len(r.Imported) == 0 {
		return r, err
	}
	if err := m.Refresh(); err != nil {
		return r, err
	}
	m.Select(r.Imported[0].Name)
	return r, nil
}
