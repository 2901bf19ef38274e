package service

import (
	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/profile"
)

// policy reads the administrator's policy for one connect. The service
// reads it itself rather than trusting the caller's side, which is the
// user's to change. A broken policy is logged and enforces nothing, as
// everywhere: it must not stop the user's own profiles working.
func (s *Server) policy() *policy.Policy {
	load := s.Policy
	if load == nil {
		load = policy.Load
	}
	p, err := load()
	if err != nil {
		s.logf("policy not applied: %v", err)
	}
	if p == nil || err != nil {
		return &policy.Policy{}
	}
	return p
}

// remoteHosts lists the servers a profile names, for allowed_servers and
// blocked_servers.
func remoteHosts(p *profile.Profile) []string {
	hosts := make([]string, 0, len(p.Remotes))
	for _, r := range p.Remotes {
		hosts = append(hosts, r.Host)
	}
	return hosts
}
